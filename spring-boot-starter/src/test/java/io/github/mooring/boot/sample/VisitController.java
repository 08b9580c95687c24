package io.github.mooring.boot.sample;

import jakarta.servlet.http.HttpSession;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Counts a visitor's requests in the HTTP session, which Spring Session keeps in Redis. */
@RestController
public class VisitController {

    @GetMapping("/visits")
    public int visits(HttpSession session) {
        Integer visits = (Integer) session.getAttribute("visits");
        int next = visits == null ? 1 : visits + 1;
        session.setAttribute("visits", next);
        return next;
    }
}
