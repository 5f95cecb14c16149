package io.mnemo.query.core;

/** Port: signs short-lived download URLs for media objects. */
public interface MediaLinks {
    MediaLink signedDownload(MediaObject media);
}
