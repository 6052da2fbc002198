/**
 * A model's promotion history and pending triggers (GET models/{name}/promotions, from
 * core/lifecycle): the reply's types and pure formatting for the Models section.
 */

export type DecisionKind =
  'triggered' | 'retrained' | 'gated' | 'promoted' | 'refused' | 'rolled_back' | 'failed';

/** One lifecycle decision: a run in the `promotions/NAME` experiment. */
export interface IDecision {
  run_id: string;
  decision: DecisionKind;
  model: string;
  /** ms since the epoch */
  time: number;
  alias: string | null;
  from_version: string | null;
  to_version: string | null;
  /** an alias move that did not pass the gate (--force) */
  forced: boolean;
  trigger: string | null;
  key: string | null;
  cause: string | null;
  parent: string | null;
  outcome: string | null;
  policy: string | null;
  metrics: Record<string, number>;
}

/** A trigger of the model's policy not acted on yet. */
export interface IPendingTrigger {
  model: string;
  policy: string;
  kind: 'drift' | 'schedule' | 'data' | 'manual';
  key: string;
  /** seconds since the epoch */
  time: number;
  cause: string | null;
  fingerprint: Record<string, string>;
  evidence: Record<string, unknown>;
  /** its data key already started a retraining */
  duplicate: boolean;
}

export interface IRunningRetraining {
  key: string;
  trigger: string;
  /** seconds since the epoch */
  claimed: number;
  run_id: string | null;
}

export interface IPromotionStatus {
  model: string;
  policy: string | null;
  policy_error: string | null;
  aliases: Record<string, string>;
  /** newest first */
  history: IDecision[];
  pending: IPendingTrigger[];
  running: IRunningRetraining[];
}

/** "rolled back" for rolled_back, else the decision itself. */
export function decisionLabel(decision: string): string {
  return decision.replace(/_/g, ' ');
}

const version = (v: string | null): string => (v ? `v${v}` : '–');

/**
 * The versions a decision is about: `@champion v1 → v2` for an alias move, `v2 vs v1`
 * for a gate or refusal (challenger vs champion), `v3` for a retraining, and what
 * triggered it (`drift`) for a trigger.
 */
export function versionMove(d: IDecision): string {
  switch (d.decision) {
    case 'promoted':
    case 'rolled_back':
      return `${d.alias ? '@' + d.alias + ' ' : ''}${version(d.from_version)} → ${version(d.to_version)}`;
    case 'gated':
    case 'refused':
      return d.to_version ? `${version(d.to_version)} vs ${version(d.from_version)}` : '';
    case 'triggered':
      return d.trigger ? `by ${d.trigger}` : '';
    default:
      return d.to_version ? version(d.to_version) : '';
  }
}

/** The gate's outcome or why it was refused or failed, shortened for one line. */
export function decisionNote(d: IDecision, max = 120): string {
  const text = (d.outcome ?? '').trim();
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** "drift trigger · key data:1a2b3c4d (already retraining)" */
export function pendingLabel(p: IPendingTrigger): string {
  const key = p.key.length > 20 ? p.key.slice(0, 20) + '…' : p.key;
  return `${p.kind} trigger · key ${key}${p.duplicate ? ' (already retraining)' : ''}`;
}
