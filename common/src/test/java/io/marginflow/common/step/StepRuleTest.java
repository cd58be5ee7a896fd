package io.marginflow.common.step;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StepRuleTest {

  /** log/pow of moderate numbers: a few ulps. */
  private static final double REL_TOL = 1e-14;

  /** Sums of ~10 logs of order 1: absolute rounding a few ulps of 1. */
  private static final double ABS_TOL = 1e-14;

  @Test
  void constantStepIsTheSameAtEveryStep() {
    StepRule rule = new StepRule(new ConstantStep(0.25));
    StepRuleState s = StepRuleState.initial(rule.config());
    for (int k = 0; k < 50; k++) {
      assertEquals(Math.log(0.25), rule.logStepSize(s), "step " + k);
      s = rule.advance(s);
    }
    assertEquals(50, s.step());
  }

  @Test
  void vanishingStepFollowsGammaOverKPlusOneToThePower() {
    double gamma = 0.8;
    for (double p : new double[] {0.5, 1.0, 0.75}) {
      StepRule rule = new StepRule(new VanishingStep(gamma, p));
      StepRuleState s = StepRuleState.initial(rule.config());
      for (int k = 0; k < 100; k++) {
        double expected = gamma / Math.pow(k + 1, p);
        assertClose(expected, Math.exp(rule.logStepSize(s)), REL_TOL, 0, "γ_" + k + ", p=" + p);
        s = rule.advance(s);
      }
    }
    // far along: γ/(k+1) at k = 10^15 is 8e−16, exact in log space
    StepRule rule = new StepRule(new VanishingStep(gamma, 1));
    StepRuleState late =
        new StepRuleState(1_000_000_000_000_000L, Math.log(gamma), Double.NaN, 0, 0);
    assertClose(
        Math.log(gamma) - Math.log(1e15 + 1), rule.logStepSize(late), REL_TOL, 0, "late γ_k");
  }

  @Test
  void lossBasedStepIsAlphaOverTheReferenceLoss() {
    StepRule rule = new StepRule(LossBasedStep.defaults());
    StepRuleState s = StepRuleState.initial(rule.config());
    assertFalse(s.hasReferenceLogLoss());
    assertThrows(IllegalStateException.class, () -> rule.logStepSize(s));
    // a loss of 1e−800 is beyond double range; η = 0.1/1e−800 is fine in log space
    double logLoss = -800 * Math.log(10);
    StepRuleState t = s.withReferenceLogLoss(logLoss);
    assertClose(Math.log(0.1) + 800 * Math.log(10), rule.logStepSize(t), REL_TOL, 0, "log η");
    assertEquals(rule.logStepSize(t), rule.logStepSize(rule.advance(t)), "α fixed within epoch");
    assertEquals(t, StepRuleState.initial(rule.config(), logLoss));
  }

  @Test
  void lossBasedAcceptAndRollbackArithmetic() {
    StepRule rule = new StepRule(LossBasedStep.defaults());
    double logL0 = Math.log(0.69);
    StepRuleState start = StepRuleState.initial(rule.config(), logL0);
    int stepsPerEpoch = 7;

    // epoch 1: the loss decreases → accept, α × 2^{1/5}, reference = new loss
    StepRuleState end = advance(rule, start, stepsPerEpoch);
    StepRule.EpochOutcome o1 = rule.endEpoch(start, end, Math.log(0.5));
    assertTrue(o1.accepted());
    StepRuleState s1 = o1.state();
    assertEquals(7, s1.step());
    assertEquals(1, s1.epochs());
    assertEquals(0, s1.rollbacks());
    assertEquals(Math.log(0.5), s1.referenceLogLoss());
    assertClose(Math.log(0.1 * Math.pow(2, 0.2)), s1.logAlpha(), REL_TOL, 0, "α after accept");

    // epoch 2: the loss increases → roll back, α ÷ 2^{1/10}, reference kept, step keeps counting
    StepRuleState end2 = advance(rule, s1, stepsPerEpoch);
    StepRule.EpochOutcome o2 = rule.endEpoch(s1, end2, Math.log(0.6));
    assertFalse(o2.accepted());
    StepRuleState s2 = o2.state();
    assertEquals(14, s2.step(), "rolled-back steps still count");
    assertEquals(1, s2.epochs());
    assertEquals(1, s2.rollbacks());
    assertEquals(Math.log(0.5), s2.referenceLogLoss());
    assertClose(
        Math.log(0.1 * Math.pow(2, 0.2) / Math.pow(2, 0.1)), s2.logAlpha(), REL_TOL, 0, "α");

    // an equal loss is not a decrease; a NaN loss (divergence) rolls back too
    assertFalse(rule.endEpoch(s2, advance(rule, s2, 1), Math.log(0.5)).accepted());
    StepRule.EpochOutcome nan = rule.endEpoch(s2, advance(rule, s2, 1), Double.NaN);
    assertFalse(nan.accepted());
    assertEquals(2, nan.state().rollbacks());

    // many epochs: log α = log α0 + a·log 2^{1/5} − r·log 2^{1/10}
    StepRuleState s = start;
    double logLoss = logL0;
    int accepts = 0;
    int rollbacks = 0;
    for (int e = 0; e < 40; e++) {
      boolean decrease = e % 3 != 2;
      double next = decrease ? logLoss - 1.5 : logLoss + 0.1;
      StepRule.EpochOutcome o = rule.endEpoch(s, advance(rule, s, stepsPerEpoch), next);
      assertEquals(decrease, o.accepted());
      if (decrease) {
        accepts++;
        logLoss = next;
      } else {
        rollbacks++;
      }
      s = o.state();
    }
    assertEquals(40L * stepsPerEpoch, s.step());
    assertEquals(accepts, s.epochs());
    assertEquals(rollbacks, s.rollbacks());
    assertClose(
        Math.log(0.1) + accepts * Math.log(2) / 5 - rollbacks * Math.log(2) / 10,
        s.logAlpha(),
        REL_TOL,
        ABS_TOL,
        "log α after 40 epochs");
    assertClose(s.logAlpha() - logLoss, rule.logStepSize(s), REL_TOL, ABS_TOL, "log η");
  }

  @Test
  void anAbortedEpochIsARolledBackEpochContinuingAtTheGivenStep() {
    StepRule rule = new StepRule(LossBasedStep.defaults().withLimits(600, 1e-50));
    StepRuleState start = advance(rule, StepRuleState.initial(rule.config(), Math.log(0.3)), 20);
    StepRuleState end = advance(rule, start, 10);
    StepRuleState aborted = rule.abortEpoch(start, 40);
    assertEquals(40, aborted.step(), "continues at the given step");
    StepRuleState failed = rule.endEpoch(start, end, Math.log(0.4)).state();
    assertEquals(failed.logAlpha(), aborted.logAlpha(), "α ÷ 2^{1/10} as a failed epoch");
    assertEquals(failed.referenceLogLoss(), aborted.referenceLogLoss());
    assertEquals(failed.rollbacks(), aborted.rollbacks());
    assertEquals(failed.epochs(), aborted.epochs());
    assertThrows(IllegalArgumentException.class, () -> rule.abortEpoch(start, 19));
    assertThrows(
        IllegalStateException.class, () -> new StepRule(new ConstantStep(1)).abortEpoch(start, 40));

    // the abort threshold is on the batch loss itself, compared in log space; NaN never aborts
    assertTrue(rule.abortsEpoch(Math.log(600) + 1e-12));
    assertFalse(rule.abortsEpoch(Math.log(600)));
    assertFalse(rule.abortsEpoch(Double.NaN));
    assertFalse(new StepRule(LossBasedStep.defaults()).abortsEpoch(1e300), "off by default");
    assertFalse(new StepRule(new ConstantStep(1)).abortsEpoch(1e300));

    // the stop: α strictly below min-alpha
    StepRuleState low = new StepRuleState(5, Math.log(1e-50) - 1e-9, 0, 0, 0);
    assertTrue(rule.belowMinAlpha(low));
    assertFalse(rule.belowMinAlpha(new StepRuleState(5, Math.log(2e-50), 0, 0, 0)));
    assertFalse(new StepRule(LossBasedStep.defaults()).belowMinAlpha(low), "off by default");
    assertFalse(new StepRule(new ConstantStep(1e-60)).belowMinAlpha(low));
  }

  @Test
  void lossBasedLimitsAreValidatedNamingTheirKeys() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> LossBasedStep.defaults().withLimits(0, 0));
    assertTrue(e.getMessage().startsWith("abort-batch-loss:"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LossBasedStep.defaults().withLimits(600, Double.NaN));
    assertTrue(e.getMessage().startsWith("min-alpha:"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> LossBasedStep.defaults().withLimits(600, -1));
    assertEquals("loss-based", LossBasedStep.defaults().withLimits(600, 1e-50).describe());
  }

  @Test
  void endEpochRefusals() {
    StepRule constant = new StepRule(new ConstantStep(0.1));
    StepRuleState c = StepRuleState.initial(constant.config());
    assertThrows(IllegalStateException.class, () -> constant.endEpoch(c, c, -1));
    StepRule lossBased = new StepRule(LossBasedStep.defaults());
    StepRuleState unset = StepRuleState.initial(lossBased.config());
    assertThrows(IllegalStateException.class, () -> lossBased.endEpoch(unset, unset, -1));
    StepRuleState later = lossBased.advance(unset.withReferenceLogLoss(0));
    StepRuleState earlier = unset.withReferenceLogLoss(0);
    assertThrows(IllegalArgumentException.class, () -> lossBased.endEpoch(later, earlier, -1));
  }

  @Test
  void stateValidationAndSerialization() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> new StepRuleState(-1, 0, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new StepRuleState(0, Double.NaN, 0, 0, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> new StepRuleState(0, 0, Double.NEGATIVE_INFINITY, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new StepRuleState(0, 0, 0, -1, 0));
    assertThrows(IllegalArgumentException.class, () -> new StepRuleState(0, 0, 0, 0, -1));
    StepRuleState[] states = {
      StepRuleState.initial(new ConstantStep(0.1)), // NaN reference must round-trip and be equal
      new StepRuleState(123_456_789_012L, -3.25, -1842.07, 17, 4),
    };
    for (StepRuleState s : states) {
      assertEquals(s, StepRuleConfigTest.roundTrip(s));
    }
  }

  private static StepRuleState advance(StepRule rule, StepRuleState s, int steps) {
    for (int i = 0; i < steps; i++) {
      s = rule.advance(s);
    }
    return s;
  }
}
