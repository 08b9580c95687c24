package io.github.mooring.examples.app;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /forecasts/{harbour}}: a forecast, from the Redis cache when it holds one. */
@RestController
public class ForecastController {

    private final ForecastService forecasts;

    ForecastController(ForecastService forecasts) {
        this.forecasts = forecasts;
    }

    /** The harbour's forecast; {@code computedAt} shows whether it came from the cache. */
    @GetMapping("/forecasts/{harbour}")
    public ForecastService.Forecast forecast(@PathVariable String harbour) {
        return forecasts.forecast(harbour);
    }
}
