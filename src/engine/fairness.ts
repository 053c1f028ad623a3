// Fair shares of a claim across running batches: capacity is split evenly between projects, then
// evenly between each project's batches, so a 50,000-line batch never starves a 10-line one and
// one busy tenant never starves another.

export interface ActiveBatch {
  id: string;
  projectId: string;
}

export function fairQuotas(active: ActiveBatch[], capacity: number): { batchId: string; quota: number }[] {
  if (active.length === 0 || capacity <= 0) return [];
  const byProject = new Map<string, ActiveBatch[]>();
  for (const batch of active) {
    const list = byProject.get(batch.projectId) ?? [];
    list.push(batch);
    byProject.set(batch.projectId, list);
  }
  const perProject = Math.ceil(capacity / byProject.size);
  return [...byProject.values()].flatMap((list) => {
    const perBatch = Math.max(1, Math.ceil(perProject / list.length));
    return list.map((batch) => ({ batchId: batch.id, quota: perBatch }));
  });
}
