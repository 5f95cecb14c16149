package io.mnemo.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DebianPackagesTest {

    @Test
    void findsAnInstalledBinaryWithoutRunningTheScript() throws Exception {
        assertThat(DebianPackages.ensureExecutable("sh", "dash")).isExecutable();
    }

    @Test
    void failsWithTheScriptsExplanationWhenThePackageCannotBeInstalled() {
        // an invalid name: the script refuses it before it would touch apt, so this runs anywhere
        assertThatThrownBy(() -> DebianPackages.ensureExecutable("mnemo-no-such-binary", "Not_A_Package"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Not_A_Package is needed and could not be installed")
                .hasMessageContaining("ensure-debian-package: 'Not_A_Package' is not a Debian package name");
    }
}
