import {
  decisionLabel,
  decisionNote,
  IDecision,
  IPendingTrigger,
  pendingLabel,
  versionMove
} from '../src/model/promotions';

function decision(fields: Partial<IDecision>): IDecision {
  return {
    run_id: 'r1',
    decision: 'promoted',
    model: 'churn',
    time: 1_700_000_000_000,
    alias: 'champion',
    from_version: '1',
    to_version: '2',
    forced: false,
    trigger: null,
    key: null,
    cause: null,
    parent: null,
    outcome: null,
    policy: null,
    metrics: {},
    ...fields
  };
}

describe('promotion history formatting', () => {
  it('names decisions in words', () => {
    expect(decisionLabel('rolled_back')).toBe('rolled back');
    expect(decisionLabel('promoted')).toBe('promoted');
  });

  it('shows alias moves from -> to, with a dash when the alias did not exist', () => {
    expect(versionMove(decision({}))).toBe('@champion v1 → v2');
    expect(
      versionMove(decision({ decision: 'rolled_back', from_version: '2', to_version: '1' }))
    ).toBe('@champion v2 → v1');
    expect(versionMove(decision({ from_version: null, alias: null }))).toBe('– → v2');
  });

  it('shows a gate as challenger vs champion, a retraining by its version, a trigger by its kind', () => {
    expect(versionMove(decision({ decision: 'gated', from_version: '1', to_version: '3' }))).toBe(
      'v3 vs v1'
    );
    expect(
      versionMove(decision({ decision: 'refused', from_version: null, to_version: '3' }))
    ).toBe('v3 vs –');
    expect(
      versionMove(decision({ decision: 'retrained', to_version: '3', from_version: null }))
    ).toBe('v3');
    expect(
      versionMove(
        decision({ decision: 'triggered', trigger: 'drift', to_version: null, from_version: null })
      )
    ).toBe('by drift');
    expect(versionMove(decision({ decision: 'failed', to_version: null }))).toBe('');
  });

  it('shortens the outcome to one line', () => {
    expect(decisionNote(decision({ outcome: null }))).toBe('');
    expect(decisionNote(decision({ outcome: 'x'.repeat(200) }), 10)).toBe('x'.repeat(9) + '…');
    expect(decisionNote(decision({ outcome: ' passed ' }))).toBe('passed');
  });

  it('labels pending triggers with a short key and whether they already started a retraining', () => {
    const pending: IPendingTrigger = {
      model: 'churn',
      policy: 'churn',
      kind: 'data',
      key: 'data:' + 'a'.repeat(40),
      time: 1_700_000_000,
      cause: null,
      fingerprint: {},
      evidence: {},
      duplicate: false
    };
    expect(pendingLabel(pending)).toBe('data trigger · key data:aaaaaaaaaaaaaaa…');
    expect(pendingLabel({ ...pending, kind: 'drift', key: 'drift:v1', duplicate: true })).toBe(
      'drift trigger · key drift:v1 (already retraining)'
    );
  });
});
