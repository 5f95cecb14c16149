package io.mnemo.ingest.api;

import java.util.List;

/** Answer to a batch: how many items were accepted and refused, and one result per item in request order. */
public record BatchResponse(int accepted, int refused, List<BatchItemResult> results) {
}
