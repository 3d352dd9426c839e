package io.eventrouter.benchmarks.server;

import java.nio.charset.StandardCharsets;

/**
 * Amplitude's success response to an upload, with the four fields its SDKs read.
 */
final class SuccessBody {

    private SuccessBody() {
    }

    static byte[] of(int eventsIngested, int payloadSizeBytes) {
        String json = "{\"code\":200,\"events_ingested\":" + eventsIngested + ",\"payload_size_bytes\":"
                + payloadSizeBytes + ",\"server_upload_time\":" + System.currentTimeMillis() + "}";
        return json.getBytes(StandardCharsets.US_ASCII);
    }

}
