package io.mnemo.processors.topology;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/**
 * RocksDB settings of the topology's stores. Most lookups miss: every new event id misses in {@code event-ids} (once
 * per bucket of the window), every new memory in {@code memory-states}. SST files already answer a miss from their
 * bloom filter; this adds a whole-key bloom filter to the memtables, which otherwise answer a miss with a skip-list
 * search (12 % of the stream thread at 4k events/s, docs/performance.md).
 */
public final class StoreTuning implements RocksDBConfigSetter {
    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        options.setMemtablePrefixBloomSizeRatio(0.1);
        options.setMemtableWholeKeyFiltering(true);
    }

    @Override
    public void close(String storeName, Options options) {
        // nothing allocated here
    }
}
