package io.eventrouter.core.pipeline;

import java.util.List;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.SourceId;
import reactor.core.publisher.MonoSink;

/**
 * Events a source submitted, waiting for the acceptance stage, with the sink that tells the
 * source the result.
 */
record Submission(SourceId source, List<Event> events, MonoSink<Acceptance> result) {
}
