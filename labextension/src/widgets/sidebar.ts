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
import {
  DEFAULT_SETTINGS,
  ISidebarSettings,
  pollFrequency,
  SectionName,
  sectionChanges
} from '../model/settings';
import { SidebarModel } from '../model/sidebar';
import { sectionWeights } from '../model/sections';
import { DeploymentsSection } from './DeploymentsSection';
import { DetailSection } from './DetailSection';
import { IGoToResult } from './gotoCell';
import { LineageSection } from './LineageSection';
import { ModelsSection } from './ModelsSection';
import { GoToNotebookCell } from './MonitoringView';
import { RunsSection } from './RunsSection';

export interface ISidebarOptions {
  model: SidebarModel;
  icon: LabIcon;
  goToCell: (run: IRunDetail) => Promise<IGoToResult>;
  /** open a notebook at a cell (the cell a deployment's reference data came from) */
  goToNotebookCell?: GoToNotebookCell;
  languages: IEditorLanguageRegistry | null;
  /** open the comparison of these runs (the main area) */
  openComparison?: (runIds: string[]) => void;
  /** the settings to start with (default DEFAULT_SETTINGS); applySettings() changes them */
  settings?: ISidebarSettings;
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
    const settings = options.settings ?? DEFAULT_SETTINGS;
    this.runsSection = new RunsSection(
      this.model,
      () => void this.poll.refresh(),
      options.openComparison
    );
    this.addWidget(this.runsSection);
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
    this.deploymentsSection = new DeploymentsSection(
      this.model.deployments,
      () => void this.deploymentsPoll.refresh(),
      options.goToNotebookCell
    );
    this.addWidget(this.deploymentsSection);
    // The open sections share the height by weight (sectionWeights); a section opened or
    // closed, or a first run picked, shares it out again. Handles resize them in between.
    (this.content as AccordionPanel).expansionToggled?.connect(() => this.fitSections());
    this.model.lineage.changed.connect(() => this.fitSectionsIfContentChanged());

    this.model.detail.changed.connect(() => {
      // Selecting a run opens the detail section if it was collapsed.
      if (this.model.detail.runId !== null) {
        this.expand(this.detailSection);
      }
      this.fitSectionsIfContentChanged();
    });
    this.model.lineage.routed.connect((_, route: Route) => {
      const target = {
        run: this.detailSection,
        models: this.modelsSection,
        deployments: this.deploymentsSection
      };
      this.expand(target[route.section]);
    });
    this.poll = new Poll({
      factory: () => this.model.refresh(),
      frequency: pollFrequency(settings.runsPollInterval, settings.maxPollInterval),
      standby: () => (this.isVisible ? 'when-hidden' : true),
      name: 'jupyter-mlops:sidebar'
    });
    // The lineage graph shows the deployments' live status too.
    this.deploymentsPoll = deploymentsPoll(
      this.model.deployments,
      () => this.isVisible && (this.deploymentsSection.isVisible || this.lineageSection.isVisible),
      pollFrequency(settings.deploymentsPollInterval, settings.maxPollInterval)
    );
    this.modelsPoll = new Poll({
      factory: () => this.model.models.refresh(),
      frequency: pollFrequency(settings.modelsPollInterval, settings.maxPollInterval),
      standby: () => (this.isVisible && this.modelsSection.isVisible ? 'when-hidden' : true),
      name: 'jupyter-mlops:models'
    });
    this.applySettings(settings);
  }

  readonly model: SidebarModel;
  readonly poll: Poll;
  readonly deploymentsPoll: Poll;
  readonly modelsPoll: Poll;
  readonly runsSection: RunsSection;
  readonly detailSection: DetailSection;
  readonly lineageSection: LineageSection;
  readonly modelsSection: ModelsSection;
  readonly deploymentsSection: DeploymentsSection;

  get settings(): ISidebarSettings {
    return this._settings ?? DEFAULT_SETTINGS;
  }

  /**
   * Apply the user's settings: the polls take their new frequency (and poll at once when
   * it changed, rather than after the old interval), and the sections whose open setting
   * changed open or close; the others stay as the user left them.
   */
  applySettings(settings: ISidebarSettings): void {
    const { maxPollInterval: max } = settings;
    const polls: [Poll, number][] = [
      [this.poll, settings.runsPollInterval],
      [this.modelsPoll, settings.modelsPollInterval],
      [this.deploymentsPoll, settings.deploymentsPollInterval]
    ];
    for (const [poll, interval] of polls) {
      const frequency = pollFrequency(interval, max);
      if (poll.frequency.interval !== frequency.interval || poll.frequency.max !== frequency.max) {
        poll.frequency = frequency;
        void poll.refresh();
      }
    }
    const sections: Record<SectionName, Widget> = {
      runs: this.runsSection,
      runDetail: this.detailSection,
      lineage: this.lineageSection,
      models: this.modelsSection,
      deployments: this.deploymentsSection
    };
    for (const { section, open } of sectionChanges(
      this._settings?.openSections ?? null,
      settings.openSections
    )) {
      if (open) {
        this.expand(sections[section]);
      } else {
        this.collapse(sections[section]);
      }
    }
    this._settings = settings;
  }

  /**
   * Share the height among the open sections by their weights (closed ones keep only
   * their title bar).  Nothing to share before the panel has a height: onResize does it.
   */
  fitSections(): void {
    const accordion = this.content as AccordionPanel;
    if (!accordion.setRelativeSizes || !this.isAttached || accordion.node.clientHeight === 0) {
      return;
    }
    const weights = sectionWeights({
      open: accordion.widgets.map(w => !w.isHidden),
      runSelected: this.model.detail.runId !== null,
      lineageShown: this.model.lineage.subject !== null
    });
    if (weights.some(w => w > 0)) {
      accordion.setRelativeSizes(weights);
      this._fittedFor = this._contentKey();
    }
  }

  private _contentKey(): string {
    return `${this.model.detail.runId !== null}/${this.model.lineage.subject !== null}`;
  }

  /** Share the height again when an empty section got content (or lost it). */
  fitSectionsIfContentChanged(): void {
    if (this._fittedFor !== null && this._fittedFor !== this._contentKey()) {
      this.fitSections();
    }
  }

  private _fittedFor: string | null = null;

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    if (this._fittedFor === null) {
      this.fitSections();
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    requestAnimationFrame(() => {
      if (this._fittedFor === null) {
        this.fitSections();
      }
    });
  }

  /** Close a section if it was open. */
  collapse(section: Widget): void {
    const accordion = this.content as AccordionPanel;
    const index = accordion.widgets.indexOf(section);
    if (index >= 0 && accordion.collapse) {
      accordion.collapse(index);
    }
  }

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

  private _settings: ISidebarSettings | null = null;

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this._fittedFor === null) {
      this.fitSections();
    }
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
