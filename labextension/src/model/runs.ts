/**
 * The runs of one experiment, loaded page by page as the table scrolls (MLflow pages on
 * the server; we never ask for all runs), refreshed in place by polling.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IMLOpsApi, IRunSummary, IRunsPage } from '../api';
import { DEFAULT_SORT, ISort, orderByClause } from './format';

export interface IProblem {
  /** HTTP status; 0 when the server could not be reached */
  status: number;
  code: string;
  message: string;
}

export function asProblem(error: unknown): IProblem {
  const e = error as { status?: number; code?: string; message?: string };
  return {
    status: e?.status ?? 0,
    code: e?.code ?? 'error',
    message: e?.message ?? String(error)
  };
}

/** A 4xx other than 403/404 means the query itself is wrong: retrying will not help. */
export function isBadQuery(problem: IProblem | null): boolean {
  return problem !== null && problem.status === 400;
}

export interface IRunsQueryState {
  experimentId: string | null;
  filter: string;
  sort: ISort;
}

export class RunsModel {
  constructor(
    private readonly api: IMLOpsApi,
    readonly pageSize = 100
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get rows(): readonly IRunSummary[] {
    return this._rows;
  }
  get hasMore(): boolean {
    return this._nextToken !== null;
  }
  get loading(): boolean {
    return this._loading;
  }
  /** True until the first page of the current query has arrived (or failed). */
  get initialising(): boolean {
    return this._initialising;
  }
  get error(): IProblem | null {
    return this._error;
  }
  get query(): IRunsQueryState {
    return this._query;
  }

  /** Change experiment, filter or sort: drop what is loaded and fetch page one. */
  async setQuery(change: Partial<IRunsQueryState>): Promise<void> {
    this._query = { ...this._query, ...change };
    this._generation += 1;
    this._rows = [];
    this._nextToken = null;
    this._error = null;
    this._initialising = this._query.experimentId !== null;
    this._loading = false;
    this._changed.emit();
    if (this._query.experimentId !== null) {
      await this._load(null);
    }
  }

  /** Fetch the next page when the user scrolled close to the end of what is loaded. */
  async loadMore(): Promise<void> {
    if (this._nextToken === null || this._loading || this._error) {
      return;
    }
    await this._load(this._nextToken);
  }

  /**
   * Poll: fetch page one again and fold it in.  Known runs are updated in place; new
   * runs are put on top when sorted newest first, otherwise the list restarts from the
   * new page one.  Rejects on a server error so the poll backs off.
   */
  async refresh(): Promise<void> {
    const experimentId = this._query.experimentId;
    if (experimentId === null || this._loading || isBadQuery(this._error)) {
      return;
    }
    const generation = this._generation;
    const page = await this._fetch(null);
    if (generation !== this._generation) {
      return;
    }
    this._error = null;
    this._initialising = false;
    this._merge(page);
    this._changed.emit();
  }

  private _merge(page: IRunsPage): void {
    if (this._rows.length === 0) {
      this._rows = page.runs;
      this._nextToken = page.next_page_token;
      return;
    }
    const index = new Map(this._rows.map((run, i) => [run.run_id, i]));
    const fresh: IRunSummary[] = [];
    const rows = this._rows.slice();
    for (const run of page.runs) {
      const at = index.get(run.run_id);
      if (at === undefined) {
        fresh.push(run);
      } else {
        rows[at] = run;
      }
    }
    const newestFirst = this._query.sort.column === 'start_time' && this._query.sort.descending;
    if (fresh.length === 0) {
      this._rows = rows;
    } else if (newestFirst) {
      this._rows = [...fresh, ...rows];
    } else {
      this._rows = page.runs;
      this._nextToken = page.next_page_token;
    }
  }

  private _fetch(token: string | null): Promise<IRunsPage> {
    return this.api.runs({
      experimentId: this._query.experimentId as string,
      filter: this._query.filter,
      orderBy: [orderByClause(this._query.sort)],
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
      const known = new Set(this._rows.map(run => run.run_id));
      this._rows = this._rows.concat(page.runs.filter(run => !known.has(run.run_id)));
      this._nextToken = page.next_page_token;
      this._error = null;
    } catch (error) {
      if (generation !== this._generation) {
        return;
      }
      this._error = asProblem(error);
    } finally {
      if (generation === this._generation) {
        this._loading = false;
        this._initialising = false;
        this._changed.emit();
      }
    }
  }

  private _rows: IRunSummary[] = [];
  private _nextToken: string | null = null;
  private _loading = false;
  private _initialising = false;
  private _error: IProblem | null = null;
  private _generation = 0;
  private _query: IRunsQueryState = { experimentId: null, filter: '', sort: DEFAULT_SORT };
  private _changed = new Signal<this, void>(this);
}
