/** The Deployments section: every recorded scoring server with its live health. */
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { IDeployment } from '../api';
import {
  deploymentKey,
  deploymentRef,
  DeploymentsModel,
  formatUptime,
  rolloutNote,
  statusOf
} from '../model/deployments';
import { formatTime } from '../model/format';
import { StatusBadge } from './badges';
import { useChanged } from './hooks';
import { DeploymentMonitoring, GoToNotebookCell } from './MonitoringView';
import { Empty, Loading, Problem } from './states';

export class DeploymentsSection extends ReactWidget {
  constructor(
    private readonly model: DeploymentsModel,
    private readonly onShown: () => void,
    private readonly goToCell?: GoToNotebookCell
  ) {
    super();
    this.addClass('jp-mlops-deployments-section');
    this.title.label = 'Deployments';
  }

  render(): JSX.Element {
    return <DeploymentsView model={this.model} goToCell={this.goToCell} />;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.onShown();
  }
}

function Deployment(props: {
  d: IDeployment;
  highlighted: boolean;
  model: DeploymentsModel;
  goToCell?: GoToNotebookCell;
}): JSX.Element {
  const { d, highlighted } = props;
  const ref = React.useRef<HTMLLIElement>(null);
  React.useEffect(() => {
    if (highlighted) {
      ref.current?.scrollIntoView?.({ block: 'nearest' });
    }
  }, [highlighted]);
  const status = statusOf(d.status);
  const note = rolloutNote(d);
  const uptime = status === 'healthy' || status === 'unhealthy' ? formatUptime(d.uptime_s) : '';
  return (
    <li
      ref={ref}
      className={`jp-mlops-deployment${highlighted ? ' jp-mod-selected' : ''}`}
      data-key={deploymentKey(d)}
      data-status={status}
    >
      <div className="jp-mlops-deployment-head">
        <StatusBadge status={status} />
        <strong className="jp-mlops-deployment-ref">{deploymentRef(d)}</strong>
        <span className="jp-mlops-muted">serves v{d.version}</span>
      </div>
      {note ? (
        <div className="jp-mlops-rollout" role="note">
          {note}
        </div>
      ) : null}
      <div>
        <a
          className="jp-mlops-endpoint"
          href={d.endpoint}
          target="_blank"
          rel="noopener noreferrer"
          title="The scoring server (POST /invocations)"
        >
          {d.endpoint}
        </a>
      </div>
      <div className="jp-mlops-muted jp-mlops-deployment-meta">
        {[
          `pid ${d.pid}`,
          uptime ? `up ${uptime}` : '',
          d.started ? `started ${formatTime(d.started)}` : '',
          d.machine ? `on ${d.machine}` : ''
        ]
          .filter(Boolean)
          .join(' · ')}
      </div>
      <DeploymentMonitoring
        model={props.model.monitoring}
        deploymentKey={deploymentKey(d)}
        goToCell={props.goToCell}
      />
    </li>
  );
}

function DeploymentsView(props: {
  model: DeploymentsModel;
  goToCell?: GoToNotebookCell;
}): JSX.Element {
  const { model } = props;
  useChanged(model.changed);
  if (!model.loaded) {
    return <Loading what="deployments" />;
  }
  const banner = model.error ? (
    <Problem problem={model.error} what="Cannot check the deployments" />
  ) : null;
  if (model.items.length === 0) {
    return (
      <div className="jp-mlops-section">
        {banner}
        {model.error ? null : (
          <Empty>
            Nothing deployed. <code>%deploy NAME@ALIAS</code> in a notebook serves a registered
            model here.
          </Empty>
        )}
      </div>
    );
  }
  return (
    <div className="jp-mlops-section">
      {banner}
      <ul className="jp-mlops-deployments">
        {model.items.map(d => (
          <Deployment
            key={deploymentKey(d)}
            d={d}
            highlighted={model.highlighted === deploymentKey(d)}
            model={model}
            goToCell={props.goToCell}
          />
        ))}
      </ul>
    </div>
  );
}
