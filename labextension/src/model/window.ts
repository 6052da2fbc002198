/** Which rows a virtualised list renders: only those in view, plus a little overscan. */

export interface IWindow {
  first: number;
  /** exclusive */
  last: number;
  /** pixels from the top of the scroll area to the first rendered row */
  offset: number;
  /** total height of the scroll area in pixels */
  height: number;
}

export function visibleWindow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  rowCount: number,
  overscan = 8
): IWindow {
  const height = rowCount * rowHeight;
  if (rowCount === 0 || rowHeight <= 0) {
    return { first: 0, last: 0, offset: 0, height: 0 };
  }
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, height - viewportHeight)));
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const shown = Math.ceil(Math.max(viewportHeight, rowHeight) / rowHeight);
  const last = Math.min(rowCount, Math.floor(top / rowHeight) + shown + overscan);
  return { first, last, offset: first * rowHeight, height };
}

/** True when the user is within `margin` rows of the end of what is loaded. */
export function nearEnd(window: IWindow, loaded: number, margin = 20): boolean {
  return window.last >= loaded - margin;
}
