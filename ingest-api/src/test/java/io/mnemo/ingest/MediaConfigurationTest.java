package io.mnemo.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.jersey.validation.Validators;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MediaConfigurationTest {
    private static final Validator VALIDATOR = Validators.newValidator();

    /** The shipped media section: its S3 bucket and region come from the YAML. */
    private static MediaConfiguration media() {
        MediaConfiguration media = new MediaConfiguration();
        media.getS3().setBucket("mnemo-media");
        media.getS3().setRegion("us-east-1");
        return media;
    }

    @Test
    void theDefaultsAreValidAndLetOneTenantHoldAQuarterOfTheUploadSlots() {
        MediaConfiguration media = media();

        assertThat(VALIDATOR.validate(media)).isEmpty();
        assertThat(media.getMaxConcurrentUploadsPerTenant()).isEqualTo(4);
        assertThat(media.getMaxConcurrentUploads()).isEqualTo(16);
    }

    @Test
    void aTenantsCapAboveTheInstancesIsRefusedAtStartUp() {
        MediaConfiguration media = media();
        media.setMaxConcurrentUploads(4);
        media.setMaxConcurrentUploadsPerTenant(5);

        Set<ConstraintViolation<MediaConfiguration>> violations = VALIDATOR.validate(media);

        assertThat(violations).extracting(ConstraintViolation::getMessage)
                .containsExactly("maxConcurrentUploadsPerTenant must not exceed maxConcurrentUploads");
    }

    @Test
    void aTenantCapOfZeroIsRefused() {
        MediaConfiguration media = media();
        media.setMaxConcurrentUploadsPerTenant(0);

        assertThat(VALIDATOR.validate(media)).isNotEmpty();
    }
}
