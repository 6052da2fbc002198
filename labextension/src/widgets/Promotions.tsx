/** One model's promotion history and pending triggers, inside its Models row. */
import * as React from 'react';

import { formatTime } from '../model/format';
import {
  decisionLabel,
  decisionNote,
  IPromotionStatus,
  pendingLabel,
  versionMove
} from '../model/promotions';
import { asProblem, IProblem } from '../model/runs';
import { Loading, Problem } from './states';

export function Promotions(props: {
  name: string;
  load: (name: string) => Promise<IPromotionStatus>;
  showRun: (runId: string) => void;
  /** fetched again whenever this changes (the Models section's poll reloads the open model) */
  refresh?: unknown;
}): JSX.Element {
  const { name, load, showRun, refresh } = props;
  const [status, setStatus] = React.useState<IPromotionStatus | null>(null);
  const [problem, setProblem] = React.useState<IProblem | null>(null);
  React.useEffect(() => {
    let live = true;
    load(name).then(
      reply => live && (setStatus(reply), setProblem(null)),
      error => live && setProblem(asProblem(error))
    );
    return () => {
      live = false;
    };
  }, [name, load, refresh]);
  if (problem) {
    return <Problem problem={problem} what="Cannot load the promotion history" />;
  }
  if (status === null) {
    return <Loading what="promotion history" />;
  }
  return (
    <div className="jp-mlops-promotions" data-model={name}>
      <div className="jp-mlops-promotions-head">
        <strong>Promotions</strong>
        <span className="jp-mlops-muted">
          {status.policy ? `policy ${status.policy}` : `no policies/${name}.yaml`}
        </span>
      </div>
      {status.policy_error ? (
        <div className="jp-mlops-state jp-mlops-error">{status.policy_error}</div>
      ) : null}
      {status.running.map(r => (
        <div key={r.key} className="jp-mlops-promotion-running">
          retraining ({r.trigger}) since {formatTime(r.claimed * 1000)}
        </div>
      ))}
      {status.pending.length ? (
        <ul className="jp-mlops-promotion-list jp-mlops-pending-triggers">
          {status.pending.map(p => (
            <li
              key={`${p.kind}:${p.key}:${p.time}`}
              className="jp-mlops-pending"
              data-kind={p.kind}
            >
              <span className="jp-mlops-badge">pending</span> {pendingLabel(p)}{' '}
              <span className="jp-mlops-muted">{formatTime(p.time * 1000)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {status.history.length === 0 ? (
        <div className="jp-mlops-muted">
          No decision recorded yet: <code>jupyter-mlops retrain {name}</code>, <code>%promote</code>{' '}
          or <code>%rollback</code> record them.
        </div>
      ) : (
        <ul className="jp-mlops-promotion-list jp-mlops-promotion-history">
          {status.history.map(d => (
            <li
              key={d.run_id}
              className="jp-mlops-promotion"
              data-decision={d.decision}
              data-run={d.run_id}
              title={decisionNote(d, 1000) || undefined}
            >
              <button
                className={`jp-mlops-link jp-mlops-badge jp-mlops-decision jp-mlops-decision-${d.decision}`}
                onClick={() => showRun(d.run_id)}
                title="Show the decision's run and its evidence"
              >
                {decisionLabel(d.decision)}
              </button>{' '}
              <span className="jp-mlops-promotion-move">{versionMove(d)}</span>
              {d.forced ? (
                <span
                  className="jp-mlops-badge jp-mlops-forced"
                  title="moved without passing the gate (--force)"
                >
                  forced
                </span>
              ) : null}{' '}
              <span className="jp-mlops-muted">{formatTime(d.time)}</span>
              {decisionNote(d) ? <div className="jp-mlops-muted">{decisionNote(d)}</div> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
