/**
 * Registered models: the list (paged by the server's tokens, filtered by name on the
 * server) and the one expanded with its versions (GET models/{name}).
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IMLOpsApi, IModelDetail, IModelSummary, IModelsPage } from '../api';
import { asProblem, IProblem } from './runs';

/** The first 12 characters of a fingerprint: enough to tell them apart at a glance. */
export function shortDigest(digest: string | null | undefined, length = 12): string {
  return digest ? digest.slice(0, length) : '';
}

/** Aliases of one model as [alias, version], sorted by alias. */
export function aliasList(aliases: Record<string, string>): [string, string][] {
  return Object.entries(aliases).sort((a, b) => a[0].localeCompare(b[0]));
}

export class ModelsModel {
  constructor(
    private readonly api: IMLOpsApi,
    readonly pageSize = 50
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get rows(): readonly IModelSummary[] {
    return this._rows;
  }
  get hasMore(): boolean {
    return this._nextToken !== null;
  }
  get loaded(): boolean {
    return this._loaded;
  }
  get loading(): boolean {
    return this._loading;
  }
  get error(): IProblem | null {
    return this._error;
  }
  get filter(): string {
    return this._filter;
  }
  /** the expanded model's name */
  get selected(): string | null {
    return this._selected;
  }
  /** the version to point out in the expanded model (picked in the lineage graph) */
  get selectedVersion(): string | null {
    return this._selectedVersion;
  }
  get detail(): IModelDetail | null {
    return this._detail;
  }
  get detailError(): IProblem | null {
    return this._detailError;
  }

  async setFilter(filter: string): Promise<void> {
    this._filter = filter.trim();
    this._generation += 1;
    this._rows = [];
    this._nextToken = null;
    this._pages = 0;
    this._loaded = false;
    this._changed.emit();
    await this._load(null).catch(() => undefined);
  }

  async loadMore(): Promise<void> {
    if (this._nextToken !== null && !this._loading) {
      await this._load(this._nextToken).catch(() => undefined);
    }
  }

  /**
   * Fetch page one again: it replaces the loaded rows up to its last name, and rows
   * loaded beyond that stay.  Reloads the expanded model too.  Rejects on failure.
   */
  async refresh(): Promise<void> {
    const generation = this._generation;
    let page: IModelsPage;
    try {
      page = await this._fetch(null);
    } catch (error) {
      if (generation === this._generation) {
        this._error = asProblem(error);
        this._loaded = true;
        this._changed.emit();
      }
      throw error;
    }
    if (generation !== this._generation) {
      return;
    }
    const last = page.models[page.models.length - 1]?.name;
    if (page.next_page_token === null || last === undefined || this._pages <= 1) {
      this._rows = page.models;
      this._nextToken = page.next_page_token;
      this._pages = 1;
    } else {
      this._rows = [...page.models, ...this._rows.filter(m => m.name > last)];
    }
    this._error = null;
    this._loaded = true;
    this._changed.emit();
    if (this._selected !== null) {
      await this._loadDetail(this._selected);
    }
  }

  /** Expand a model (null collapses), optionally pointing out one of its versions. */
  async select(name: string | null, version: string | null = null): Promise<void> {
    const same = name === this._selected;
    this._selected = name;
    this._selectedVersion = version;
    if (!same) {
      this._detail = null;
      this._detailError = null;
    }
    this._changed.emit();
    if (name !== null && !same) {
      await this._loadDetail(name);
    }
  }

  async toggle(name: string): Promise<void> {
    await this.select(this._selected === name ? null : name);
  }

  private _fetch(token: string | null): Promise<IModelsPage> {
    return this.api.models({
      filter: this._filter || undefined,
      pageToken: token,
      pageSize: this.pageSize
    });
  }

  private async _load(token: string | null): Promise<void> {
    const generation = this._generation;
    this._loading = true;
    this._changed.emit();
    try {
      const page = await this._fetch(token);
      if (generation !== this._generation) {
        return;
      }
      const known = new Set(this._rows.map(m => m.name));
      this._rows = this._rows.concat(page.models.filter(m => !known.has(m.name)));
      this._nextToken = page.next_page_token;
      this._pages += 1;
      this._error = null;
    } catch (error) {
      if (generation === this._generation) {
        this._error = asProblem(error);
      }
      throw error;
    } finally {
      if (generation === this._generation) {
        this._loading = false;
        this._loaded = true;
        this._changed.emit();
      }
    }
  }

  /** NAME's promotion history and pending triggers (fetched when its row is opened) */
  promotions = (name: string) => this.api.promotions(name);

  private async _loadDetail(name: string): Promise<void> {
    try {
      const detail = await this.api.model(name);
      if (name === this._selected) {
        this._detail = detail;
        this._detailError = null;
      }
    } catch (error) {
      if (name === this._selected) {
        this._detailError = asProblem(error);
      }
    }
    if (name === this._selected) {
      this._changed.emit();
    }
  }

  private _rows: IModelSummary[] = [];
  private _nextToken: string | null = null;
  /** pages fetched since the list started over */
  private _pages = 0;
  private _loaded = false;
  private _loading = false;
  private _error: IProblem | null = null;
  private _filter = '';
  private _generation = 0;
  private _selected: string | null = null;
  private _selectedVersion: string | null = null;
  private _detail: IModelDetail | null = null;
  private _detailError: IProblem | null = null;
  private _changed = new Signal<this, void>(this);
}
