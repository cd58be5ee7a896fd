package io.marginflow.common.stats;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Tracks the sequence of full-data evaluations of one run and raises the flags of science.md §5
 * item 9. Call {@link #observe} once per evaluation (with the train split), in increasing step
 * order. The whole state is the {@link State} record, which goes into checkpoints ({@link
 * #state()}, {@link #fromState}).
 *
 * <p>Flags, in this order when several apply:
 *
 * <ul>
 *   <li>{@value #NON_FINITE}: the evaluation saw NaN/±∞ (the argument {@code nonFinite}, or a
 *       non-finite min margin or norm);
 *   <li>{@value #SEPARATED}: the first evaluation with m(w) &gt; 0 (raised once per run);
 *   <li>{@value #LEFT_LATE_STAGE}: any later evaluation with ¬(m(w) &gt; 0) (every such one);
 *   <li>{@value #NORM_DECREASE}: ‖w‖ smaller than at the previous evaluation (the last one with a
 *       finite norm), when separation had already been flagged at or before that evaluation.
 * </ul>
 */
public final class LateStageMonitor implements Serializable {

  private static final long serialVersionUID = 1L;

  /** NaN/Inf seen. */
  public static final String NON_FINITE = "non_finite";

  /** First evaluation with a positive minimum margin. */
  public static final String SEPARATED = "separated";

  /** A non-positive minimum margin after separation. */
  public static final String LEFT_LATE_STAGE = "left_late_stage";

  /** ‖w‖ decreased after separation. */
  public static final String NORM_DECREASE = "norm_decrease";

  /**
   * The monitor state.
   *
   * @param evaluations number of evaluations observed
   * @param lastStep step of the last evaluation (meaningless if evaluations = 0)
   * @param lastNorm ‖w‖ at the last evaluation with a finite norm (NaN if none)
   * @param separated whether a positive minimum margin has been seen
   * @param firstSeparatedStep the step of the first one (meaningless unless separated)
   */
  public record State(
      long evaluations, long lastStep, double lastNorm, boolean separated, long firstSeparatedStep)
      implements Serializable {

    /** Validates the counters. */
    public State {
      if (evaluations < 0) {
        throw new IllegalArgumentException("evaluations: expected ≥ 0, got " + evaluations);
      }
      if (separated && evaluations == 0) {
        throw new IllegalArgumentException("separated: cannot be true with evaluations = 0");
      }
    }

    /** The state before any evaluation. */
    public static State initial() {
      return new State(0, 0, Double.NaN, false, 0);
    }
  }

  private State state;

  /** A monitor that has seen no evaluation. */
  public LateStageMonitor() {
    this(State.initial());
  }

  private LateStageMonitor(State state) {
    this.state = state;
  }

  /** A monitor continuing from a checkpointed state. */
  public static LateStageMonitor fromState(State state) {
    return new LateStageMonitor(Objects.requireNonNull(state, "state"));
  }

  /** The current state (immutable). */
  public State state() {
    return state;
  }

  /**
   * Records one evaluation and returns its flags (possibly empty, a fresh mutable list).
   *
   * @param step the step k; must exceed the step of the previous evaluation
   * @param minMargin m(w_k) = min_i p_i(w_k) (raw or normalized: only its sign is used)
   * @param norm ‖w_k‖
   * @param nonFinite whether the evaluation saw NaN/Inf anywhere
   */
  public List<String> observe(long step, double minMargin, double norm, boolean nonFinite) {
    State s = state;
    if (s.evaluations() > 0 && step <= s.lastStep()) {
      throw new IllegalArgumentException(
          "step: expected > " + s.lastStep() + " (the previous evaluation), got " + step);
    }
    List<String> flags = new ArrayList<>(2);
    if (nonFinite || !Double.isFinite(minMargin) || !Double.isFinite(norm)) {
      flags.add(NON_FINITE);
    }
    boolean positive = minMargin > 0;
    boolean separated = s.separated();
    long first = s.firstSeparatedStep();
    if (!separated && positive) {
      separated = true;
      first = step;
      flags.add(SEPARATED);
    } else if (separated && !positive) {
      flags.add(LEFT_LATE_STAGE);
    }
    if (s.separated() && norm < s.lastNorm()) {
      flags.add(NORM_DECREASE);
    }
    double lastNorm = Double.isFinite(norm) ? norm : s.lastNorm(); // a NaN/∞ norm is not compared
    state = new State(s.evaluations() + 1, step, lastNorm, separated, first);
    return flags;
  }

  /** The step of the first evaluation with m &gt; 0, if any. */
  public OptionalLong firstSeparatedStep() {
    return state.separated() ? OptionalLong.of(state.firstSeparatedStep()) : OptionalLong.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LateStageMonitor m && state.equals(m.state);
  }

  @Override
  public int hashCode() {
    return state.hashCode();
  }

  @Override
  public String toString() {
    return "LateStageMonitor" + state;
  }
}
