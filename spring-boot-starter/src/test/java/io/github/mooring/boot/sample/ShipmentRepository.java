package io.github.mooring.boot.sample;

import org.springframework.data.repository.CrudRepository;

/** A Spring Data Redis repository. */
public interface ShipmentRepository extends CrudRepository<Shipment, String> {}
