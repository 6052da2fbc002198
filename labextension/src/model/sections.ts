/**
 * How the sidebar's open sections share its height: the runs table gets the most, a
 * section with nothing to show yet (no run picked, no lineage) only enough for its
 * placeholder, and closed sections nothing (their title bar stays).
 */

/** In section order: runs, run detail, lineage, models, deployments. */
export const SECTION_WEIGHTS = {
  runs: 5,
  detail: 3,
  lineage: 3.5,
  models: 2,
  deployments: 1.5,
  /** a section showing only its placeholder ("Select a run...") */
  placeholder: 0.8
};

export interface ISectionState {
  /** per section, in order: open (expanded) or not */
  open: boolean[];
  runSelected: boolean;
  lineageShown: boolean;
}

/** Relative sizes for AccordionPanel.setRelativeSizes; 0 for a closed section. */
export function sectionWeights(state: ISectionState): number[] {
  const w = SECTION_WEIGHTS;
  const full = [
    w.runs,
    state.runSelected ? w.detail : w.placeholder,
    state.lineageShown ? w.lineage : w.placeholder,
    w.models,
    w.deployments
  ];
  return state.open.map((open, i) => (open ? (full[i] ?? w.placeholder) : 0));
}
