package io.github.mooring.boot.sample;

import org.springframework.data.annotation.Id;
import org.springframework.data.redis.core.RedisHash;

/** A Redis hash managed by a Spring Data repository. */
@RedisHash("shipments")
public class Shipment {

    @Id
    private String id;

    private String item;

    public Shipment() {}

    public Shipment(String id, String item) {
        this.id = id;
        this.item = item;
    }

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    public String getItem() {
        return item;
    }

    public void setItem(String item) {
        this.item = item;
    }
}
