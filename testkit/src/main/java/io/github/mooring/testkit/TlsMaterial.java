package io.github.mooring.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A private CA and one server certificate for a StatefulSet, as cert-manager would issue them: the certificate names
 * the Service ({@code redis.<ns>.svc.cluster.local}) and every pod under it ({@code *.redis.<ns>.svc.cluster.local}),
 * not the pods' IPs, so a client must verify against the Service's name while it connects to a pod IP.
 */
final class TlsMaterial {

    private final Path caCertificate;
    private final Path certificate;
    private final Path privateKey;
    private final SSLContext sslContext;

    private TlsMaterial(Path caCertificate, Path certificate, Path privateKey, SSLContext sslContext) {
        this.caCertificate = caCertificate;
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.sslContext = sslContext;
    }

    static TlsMaterial issue(Path dir, List<String> dnsNames) {
        try {
            Files.createDirectories(dir);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair caKeys = generator.generateKeyPair();
            KeyPair serverKeys = generator.generateKeyPair();
            Date from = Date.from(Instant.now().minus(Duration.ofHours(1)));
            Date until = Date.from(Instant.now().plus(Duration.ofDays(2)));
            X500Name caName = new X500Name("CN=mooring-testkit CA");

            var ca = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, until, caName, caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            X509Certificate caCert = new JcaX509CertificateConverter()
                    .getCertificate(ca.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));

            GeneralName[] sans = dnsNames.stream()
                    .map(n -> new GeneralName(GeneralName.dNSName, n))
                    .toArray(GeneralName[]::new);
            var server = new JcaX509v3CertificateBuilder(
                            caName,
                            BigInteger.TWO,
                            from,
                            until,
                            new X500Name("CN=" + dnsNames.get(0)),
                            serverKeys.getPublic())
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
            X509Certificate serverCert = new JcaX509CertificateConverter()
                    .getCertificate(
                            server.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));

            Path caFile = dir.resolve("ca.crt");
            Path certFile = dir.resolve("tls.crt");
            Path keyFile = dir.resolve("tls.key");
            Files.writeString(caFile, pem(caCert));
            Files.writeString(certFile, pem(serverCert));
            Files.writeString(keyFile, pem(serverKeys.getPrivate()));

            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", caCert);
            TrustManagerFactory trustManagers =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers.getTrustManagers(), null);
            return new TlsMaterial(caFile, certFile, keyFile, context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue test certificates", e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object instanceof PrivateKey key ? new JcaPKCS8Generator(key, null) : object);
        }
        return out.toString();
    }

    Path caCertificate() {
        return caCertificate;
    }

    Path certificate() {
        return certificate;
    }

    Path privateKey() {
        return privateKey;
    }

    /** Trusts the CA (the kit's own probes; they check no host name, as a kubelet's exec probe would not). */
    SSLContext sslContext() {
        return sslContext;
    }
}
