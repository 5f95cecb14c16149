package io.mnemo.ingest;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.DataSize;
import io.dropwizard.util.DataSizeUnit;
import io.dropwizard.validation.MaxDataSize;
import io.dropwizard.validation.MinDataSize;
import io.mnemo.kit.s3.S3Factory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/** Media uploads: where they are staged and how large and how many at once they may be. */
public class MediaConfiguration {
    @Valid
    @NotNull
    private S3Factory s3 = new S3Factory();

    /** Largest accepted upload; larger → 413. */
    @NotNull
    @MinDataSize(value = 1, unit = DataSizeUnit.BYTES)
    @MaxDataSize(value = 5, unit = DataSizeUnit.GIBIBYTES)
    private DataSize maxSize = DataSize.mebibytes(25);

    /** Multipart part size: the memory one upload holds at most. S3 needs at least 5 MiB. */
    @NotNull
    @MinDataSize(value = 5, unit = DataSizeUnit.MEBIBYTES)
    @MaxDataSize(value = 64, unit = DataSizeUnit.MEBIBYTES)
    private DataSize partSize = DataSize.mebibytes(8);

    /** Uploads streaming at once; with {@link #partSize} it bounds the heap media can take. Beyond → 503. */
    @Min(1)
    @Max(1000)
    private int maxConcurrentUploads = 16;

    /**
     * Uploads one tenant may stream at once on an instance; beyond → 429 too-many-concurrent-uploads. At most
     * {@link #maxConcurrentUploads}, so that one tenant cannot hold every upload slot.
     */
    @Min(1)
    @Max(1000)
    private int maxConcurrentUploadsPerTenant = 4;

    @io.dropwizard.validation.ValidationMethod(message = "maxConcurrentUploadsPerTenant must not exceed "
            + "maxConcurrentUploads")
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isPerTenantCapWithinTheInstanceCap() {
        return maxConcurrentUploadsPerTenant <= maxConcurrentUploads;
    }

    @JsonProperty
    public S3Factory getS3() {
        return s3;
    }

    @JsonProperty
    public void setS3(S3Factory s3) {
        this.s3 = s3;
    }

    @JsonProperty
    public DataSize getMaxSize() {
        return maxSize;
    }

    @JsonProperty
    public void setMaxSize(DataSize maxSize) {
        this.maxSize = maxSize;
    }

    @JsonProperty
    public DataSize getPartSize() {
        return partSize;
    }

    @JsonProperty
    public void setPartSize(DataSize partSize) {
        this.partSize = partSize;
    }

    @JsonProperty
    public int getMaxConcurrentUploads() {
        return maxConcurrentUploads;
    }

    @JsonProperty
    public void setMaxConcurrentUploads(int maxConcurrentUploads) {
        this.maxConcurrentUploads = maxConcurrentUploads;
    }

    @JsonProperty
    public int getMaxConcurrentUploadsPerTenant() {
        return maxConcurrentUploadsPerTenant;
    }

    @JsonProperty
    public void setMaxConcurrentUploadsPerTenant(int maxConcurrentUploadsPerTenant) {
        this.maxConcurrentUploadsPerTenant = maxConcurrentUploadsPerTenant;
    }
}
