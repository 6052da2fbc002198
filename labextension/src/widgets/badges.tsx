/** Small inline badges: a model's aliases, a deployment's status, a data contract's outcome. */
import { checkIcon, errorIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { DeploymentStatus, IContractStatus } from '../api';
import { contractLabel } from '../model/datasets';

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

/** A data contract's outcome on one dataset: passed, or how many checks failed. */
export function ContractBadge(props: { status: IContractStatus }): JSX.Element {
  const { status } = props;
  const Icon = status.ok ? checkIcon : errorIcon;
  const checked = status.rows !== null ? ` on ${status.rows} rows` : '';
  const title = status.ok
    ? `${status.variable ?? 'The data'} meets contract ${status.contract}${checked}` +
      (status.file ? ` (${status.file})` : '')
    : `${status.variable ?? 'The data'} violates contract ${status.contract}${checked}: ` +
      `${status.failed_checks} failing check${status.failed_checks === 1 ? '' : 's'}` +
      (status.file ? ` (${status.file})` : '');
  return (
    <span
      className={`jp-mlops-badge jp-mlops-contract jp-mlops-contract-${status.status}`}
      title={title}
      data-contract={status.contract}
      data-status={status.status}
    >
      <Icon.react tag="span" className="jp-mlops-contract-icon" />
      {contractLabel(status)}
    </span>
  );
}
