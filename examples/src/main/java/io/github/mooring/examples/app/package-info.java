/**
 * The Spring Boot example application that {@code src/k8s/app.yaml} deploys: an ordinary Spring Boot Redis
 * application (a visit counter with {@code StringRedisTemplate}, a {@code @Cacheable} lookup cached in Redis, a
 * pub/sub feed through a {@code RedisMessageListenerContainer}) whose only Mooring-specific part is its configuration:
 * {@code mooring.service} in {@code application.yaml}. Nothing in its code knows Mooring, except
 * {@link io.github.mooring.examples.app.RedisErrors}, which turns Mooring's failover errors into clear HTTP answers.
 * <p>
 * Endpoints: {@code POST /visits} and {@code GET /visits}, {@code GET /forecasts/{harbour}}, {@code POST /feed} and
 * {@code GET /feed}, {@code /actuator/health} and {@code /actuator/mooring}.
 */
package io.github.mooring.examples.app;
