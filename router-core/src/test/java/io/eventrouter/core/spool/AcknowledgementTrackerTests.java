package io.eventrouter.core.spool;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AcknowledgementTrackerTests {

    @Test
    void watermarkWaitsForGapThenJumps() {
        AcknowledgementTracker tracker = new AcknowledgementTracker(0);

        assertThat(tracker.acknowledge(2)).isFalse();
        assertThat(tracker.acknowledge(1)).isFalse();
        assertThat(tracker.watermark()).isZero();
        assertThat(tracker.acknowledge(0)).isTrue();

        assertThat(tracker.watermark()).isEqualTo(3);
    }

    @Test
    void countsUnacknowledgedBelowEnd() {
        AcknowledgementTracker tracker = new AcknowledgementTracker(10);
        tracker.acknowledge(12);
        tracker.acknowledge(13);
        tracker.acknowledge(30);

        assertThat(tracker.unacknowledgedBelow(10)).isZero();
        assertThat(tracker.unacknowledgedBelow(5)).isZero();
        assertThat(tracker.unacknowledgedBelow(12)).isEqualTo(2);
        assertThat(tracker.unacknowledgedBelow(14)).isEqualTo(2);
        assertThat(tracker.unacknowledgedBelow(31)).isEqualTo(18);
        assertThat(tracker.unacknowledgedBelow(100)).isEqualTo(87);
    }

    @Test
    void countsRepeatsAndWatermarkMovesOnce() {
        AcknowledgementTracker tracker = new AcknowledgementTracker(10);
        tracker.acknowledge(12);
        tracker.acknowledge(12);
        tracker.acknowledge(11);
        tracker.acknowledge(15);

        assertThat(tracker.unacknowledgedBelow(20)).isEqualTo(7);

        tracker.acknowledge(10);

        assertThat(tracker.watermark()).isEqualTo(13);
        assertThat(tracker.unacknowledgedBelow(20)).isEqualTo(6);
        assertThat(new AcknowledgementTracker(13, tracker.acknowledgedAbove(), 20).unacknowledgedBelow(20))
                .isEqualTo(6);
    }

    @Test
    void remembersAcknowledgementsAboveWatermark() {
        AcknowledgementTracker tracker = new AcknowledgementTracker(10);

        tracker.acknowledge(12);
        tracker.acknowledge(10);

        assertThat(tracker.watermark()).isEqualTo(11);
        assertThat(tracker.isAcknowledged(12)).isTrue();
        assertThat(tracker.isAcknowledged(11)).isFalse();
        assertThat(tracker.isAcknowledged(9)).isTrue();
    }

    @Test
    void restoresAcknowledgementsBelowTheEnd() {
        AcknowledgementTracker tracker = new AcknowledgementTracker(10);
        tracker.acknowledge(12);
        tracker.acknowledge(14);
        tracker.acknowledge(20);

        AcknowledgementTracker restored = new AcknowledgementTracker(10, tracker.acknowledgedAbove(), 15);

        assertThat(restored.watermark()).isEqualTo(10);
        assertThat(restored.isAcknowledged(12)).isTrue();
        assertThat(restored.isAcknowledged(13)).isFalse();
        assertThat(restored.isAcknowledged(14)).isTrue();
        assertThat(restored.isAcknowledged(20)).isFalse();
        assertThat(new AcknowledgementTracker(10, new byte[0], 15).acknowledgedAbove()).isEmpty();
        assertThat(new AcknowledgementTracker(10, tracker.acknowledgedAbove(), 10).acknowledgedAbove()).isEmpty();
    }

}
