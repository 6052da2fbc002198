/** Small inline badges: a model's aliases, a deployment's status. */
import * as React from 'react';

import { DeploymentStatus } from '../api';

export function AliasBadges(props: { aliases: string[] }): JSX.Element | null {
  if (props.aliases.length === 0) {
    return null;
  }
  return (
    <span className="jp-mlops-badges">
      {props.aliases.map(alias => (
        <span key={alias} className="jp-mlops-badge jp-mlops-alias" title={`alias @${alias}`}>
          @{alias}
        </span>
      ))}
    </span>
  );
}

const STATUS_TITLES: Record<DeploymentStatus, string> = {
  healthy: 'The scoring server answers /ping',
  unhealthy: 'The process runs but /ping does not answer',
  stopped: 'The scoring server process is gone',
  unknown: 'Served from another machine: not checked from here'
};

export function StatusBadge(props: { status: DeploymentStatus }): JSX.Element {
  return (
    <span
      className={`jp-mlops-badge jp-mlops-deploy-status jp-mlops-deploy-${props.status}`}
      title={STATUS_TITLES[props.status]}
      data-status={props.status}
    >
      {props.status}
    </span>
  );
}
