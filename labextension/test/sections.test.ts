import { fitScale, FIT_MIN } from '../src/model/lineageLayout';
import { SECTION_WEIGHTS, sectionWeights } from '../src/model/sections';

describe('sectionWeights', () => {
  it('gives the runs most of the room while detail and lineage are placeholders', () => {
    const sizes = sectionWeights({
      open: [true, true, true, false, false],
      runSelected: false,
      lineageShown: false
    });
    expect(sizes[3]).toBe(0);
    expect(sizes[4]).toBe(0);
    const total = sizes.reduce((a, b) => a + b);
    expect(sizes[0] / total).toBeGreaterThan(0.7);
  });

  it('keeps the runs the largest share with every section open and filled', () => {
    const sizes = sectionWeights({
      open: [true, true, true, true, true],
      runSelected: true,
      lineageShown: true
    });
    expect(Math.max(...sizes)).toBe(SECTION_WEIGHTS.runs);
    expect(sizes[0]).toBe(SECTION_WEIGHTS.runs);
  });
});

describe('fitScale', () => {
  it('shrinks a wide graph to the box', () => {
    expect(fitScale({ width: 600, height: 200 }, { width: 300, height: 400 })).toBe(0.5);
    expect(fitScale({ width: 200, height: 800 }, { width: 300, height: 320 })).toBe(0.4);
    expect(fitScale({ width: 400, height: 200 }, { width: 300, height: 400 })).toBe(0.75);
  });
  it('never enlarges, and stops at FIT_MIN', () => {
    expect(fitScale({ width: 100, height: 100 }, { width: 300, height: 400 })).toBe(1);
    expect(fitScale({ width: 5000, height: 100 }, { width: 300, height: 400 })).toBe(FIT_MIN);
  });
  it('is 100% before the box is measured', () => {
    expect(fitScale({ width: 600, height: 200 }, { width: 0, height: 0 })).toBe(1);
  });
});
