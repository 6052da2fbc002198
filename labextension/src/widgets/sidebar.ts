/**
 * The left-area panel: two sections (runs, run detail) and the poll that keeps them
 * fresh, backing off on errors and standing by while the panel or the page is hidden.
 */
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { LabIcon, SidePanel } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Poll } from '@lumino/polling';
import { AccordionPanel } from '@lumino/widgets';

import { IRunDetail } from '../api';
import { SidebarModel } from '../model/sidebar';
import { DetailSection } from './DetailSection';
import { IGoToResult } from './gotoCell';
import { RunsSection } from './RunsSection';

export const POLL_INTERVAL = 3000;
export const POLL_MAX = 60000;

export interface ISidebarOptions {
  model: SidebarModel;
  icon: LabIcon;
  goToCell: (run: IRunDetail) => Promise<IGoToResult>;
  languages: IEditorLanguageRegistry | null;
}

export class MLOpsSidebar extends SidePanel {
  constructor(options: ISidebarOptions) {
    super();
    this.model = options.model;
    this.id = 'jupyter-mlops-sidebar';
    this.addClass('jp-mlops-sidebar');
    this.title.icon = options.icon;
    this.title.caption = 'MLOps: experiments and runs';
    this.header.node.textContent = 'MLOps';
    this.header.addClass('jp-mlops-header-title');
    this.addWidget(new RunsSection(this.model, () => void this.poll.refresh()));
    this.addWidget(
      new DetailSection(this.model.detail, {
        goToCell: options.goToCell,
        languages: options.languages
      })
    );
    this.model.detail.changed.connect(() => {
      // Selecting a run opens the detail section if it was collapsed.
      const accordion = this.content as AccordionPanel;
      if (this.model.detail.runId !== null && accordion.expand) {
        accordion.expand(1);
      }
    });
    this.poll = new Poll({
      factory: () => this.model.refresh(),
      frequency: { interval: POLL_INTERVAL, backoff: true, max: POLL_MAX },
      standby: () => (this.isVisible ? 'when-hidden' : true),
      name: 'jupyter-mlops:sidebar'
    });
  }

  readonly model: SidebarModel;
  readonly poll: Poll;

  /** Refresh soon after a cell ran: the drainer writes its run within a second or so. */
  cellExecuted(): void {
    for (const delay of [1500, 4000]) {
      setTimeout(() => {
        if (!this.poll.isDisposed) {
          void this.poll.refresh();
        }
      }, delay);
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.poll.refresh();
  }

  dispose(): void {
    this.poll.dispose();
    super.dispose();
  }
}
