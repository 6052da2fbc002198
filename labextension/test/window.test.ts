import { nearEnd, visibleWindow } from '../src/model/window';

describe('visibleWindow', () => {
  it('renders only the rows in view for 10,000 runs', () => {
    const win = visibleWindow(130_000, 520, 26, 10_000, 8);
    expect(win.height).toBe(260_000);
    expect(win.first).toBe(5000 - 8);
    expect(win.last - win.first).toBeLessThanOrEqual(20 + 16 + 1);
    expect(win.offset).toBe(win.first * 26);
  });

  it('clamps past the end and handles an empty list', () => {
    const win = visibleWindow(10_000_000, 260, 26, 100);
    expect(win.last).toBe(100);
    expect(visibleWindow(0, 260, 26, 0)).toEqual({ first: 0, last: 0, offset: 0, height: 0 });
  });

  it('asks for the next page near the end of what is loaded', () => {
    expect(nearEnd(visibleWindow(0, 260, 26, 100), 100)).toBe(false);
    expect(nearEnd(visibleWindow(2000, 260, 26, 100), 100)).toBe(true);
  });
});
