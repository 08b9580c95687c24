/**
 * The demo the README runs first: {@link io.github.mooring.examples.Demo} writes through Mooring and through plain
 * Lettuce side by side on the testkit's simulated namespace while the master pod is replaced, restarted and failed
 * over, and sums up what each writer achieved ({@link io.github.mooring.examples.Summary}).
 * <p>
 * The Spring Boot example application that {@code src/k8s} deploys is in {@link io.github.mooring.examples.app}.
 * Tests in this module also check the reference manifests for a real cluster in the repository's {@code src/k8s},
 * and run the application's executable jar with the Deployment's environment.
 */
package io.github.mooring.examples;
