/**
 * The left-area panel: sections for runs, run detail, lineage, models and deployments,
 * and the polls that keep them fresh, backing off on errors and standing by while the
 * panel, the section or the page is hidden.
 */
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { LabIcon, SidePanel } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Poll } from '@lumino/polling';
import { AccordionPanel, Widget } from '@lumino/widgets';

import { IRunDetail } from '../api';
import { deploymentsPoll } from '../model/deployments';
import { Route } from '../model/lineage';
import { SidebarModel } from '../model/sidebar';
import { DeploymentsSection } from './DeploymentsSection';
import { DetailSection } from './DetailSection';
import { IGoToResult } from './gotoCell';
import { LineageSection } from './LineageSection';
import { ModelsSection } from './ModelsSection';
import { RunsSection } from './RunsSection';

export const POLL_INTERVAL = 3000;
export const POLL_MAX = 60000;
/** models change only when a notebook registers one; cellExecuted() refreshes sooner */
export const MODELS_POLL_INTERVAL = 15000;

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
    this.detailSection = new DetailSection(this.model.detail, {
      goToCell: options.goToCell,
      languages: options.languages
    });
    this.addWidget(this.detailSection);
    this.lineageSection = new LineageSection(this.model.lineage, this.model.deployments);
    this.addWidget(this.lineageSection);
    this.modelsSection = new ModelsSection(this.model.models, {
      showLineage: ref => {
        void this.model.lineage.show({ model: ref });
        this.expand(this.lineageSection);
      },
      showRun: runId => void this.model.detail.show(runId),
      shown: () => void this.modelsPoll.refresh()
    });
    this.addWidget(this.modelsSection);
    this.deploymentsSection = new DeploymentsSection(this.model.deployments, () =>
      void this.deploymentsPoll.refresh()
    );
    this.addWidget(this.deploymentsSection);
    // Room for the runs and a readable graph at the default height; models and
    // deployments open on demand (or when a lineage node leads there).
    const accordion = this.content as AccordionPanel;
    accordion.setRelativeSizes?.([3.5, 3, 3.5, 2.5, 2.5]);
    for (const section of [this.modelsSection, this.deploymentsSection]) {
      accordion.collapse?.(accordion.widgets.indexOf(section));
    }

    this.model.detail.changed.connect(() => {
      // Selecting a run opens the detail section if it was collapsed.
      if (this.model.detail.runId !== null) {
        this.expand(this.detailSection);
      }
    });
    this.model.lineage.routed.connect((_, route: Route) => {
      const target = { run: this.detailSection, models: this.modelsSection, deployments: this.deploymentsSection };
      this.expand(target[route.section]);
    });
    this.poll = new Poll({
      factory: () => this.model.refresh(),
      frequency: { interval: POLL_INTERVAL, backoff: true, max: POLL_MAX },
      standby: () => (this.isVisible ? 'when-hidden' : true),
      name: 'jupyter-mlops:sidebar'
    });
    // The lineage graph shows the deployments' live status too.
    this.deploymentsPoll = deploymentsPoll(
      this.model.deployments,
      () => this.isVisible && (this.deploymentsSection.isVisible || this.lineageSection.isVisible)
    );
    this.modelsPoll = new Poll({
      factory: () => this.model.models.refresh(),
      frequency: { interval: MODELS_POLL_INTERVAL, backoff: true, max: POLL_MAX },
      standby: () => (this.isVisible && this.modelsSection.isVisible ? 'when-hidden' : true),
      name: 'jupyter-mlops:models'
    });
  }

  readonly model: SidebarModel;
  readonly poll: Poll;
  readonly deploymentsPoll: Poll;
  readonly modelsPoll: Poll;
  readonly detailSection: DetailSection;
  readonly lineageSection: LineageSection;
  readonly modelsSection: ModelsSection;
  readonly deploymentsSection: DeploymentsSection;

  /** Open a section if it was collapsed. */
  expand(section: Widget): void {
    const accordion = this.content as AccordionPanel;
    const index = accordion.widgets.indexOf(section);
    if (index >= 0 && accordion.expand) {
      accordion.expand(index);
    }
  }

  /**
   * Refresh soon after a cell ran: the drainer writes its run within a second or so;
   * a %register or %deploy cell changes models, lineage and deployments.
   */
  cellExecuted(): void {
    for (const delay of [1500, 4000]) {
      setTimeout(() => {
        if (!this.poll.isDisposed) {
          void this.poll.refresh();
          void this.modelsPoll.refresh();
          void this.deploymentsPoll.refresh();
          void this.model.lineage.refresh();
        }
      }, delay);
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.poll.refresh();
    void this.modelsPoll.refresh();
    void this.deploymentsPoll.refresh();
  }

  dispose(): void {
    this.poll.dispose();
    this.deploymentsPoll.dispose();
    this.modelsPoll.dispose();
    super.dispose();
  }
}
