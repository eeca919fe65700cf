import { type BlockComparison, type FieldNote, type Side } from './header-diff.js'
import type { HeaderMethod } from './header-source.js'

export interface EndpointSummary {
  url: string
  method: HeaderMethod
  head: number
}

/** A note about one non-header field, gathered over all the blocks it applied to. */
export interface NoteSummary {
  field: string
  kind: FieldNote['kind']
  blocks: number
  first: number
  last: number
}

/** What `--json` prints: one object, numbers as JSON numbers. */
export interface CompareResultJson {
  from: number
  to: number
  rpc: EndpointSummary
  against: EndpointSummary
  blocksCompared: number
  blocksDiffering: number
  fieldsDiffering: number
  /** A header field that differs; `null` where that side did not return the field. */
  mismatches: { block: number; field: string; rpc: unknown; against: unknown }[]
  /** A block one side (or both) answered null for. */
  absentBlocks: { block: number; absentOn: Side | 'both' }[]
  notes: NoteSummary[]
}

/** Counts and collects block comparisons as they come in, in block order. */
export class CompareReport {
  blocksCompared = 0
  blocksDiffering = 0
  fieldsDiffering = 0
  readonly mismatches: CompareResultJson['mismatches'] = []
  readonly absentBlocks: CompareResultJson['absentBlocks'] = []
  private readonly notes = new Map<string, NoteSummary>()

  add(comparison: BlockComparison): void {
    const { number } = comparison
    this.blocksCompared++
    if (comparison.absent !== null || comparison.differences.length > 0) this.blocksDiffering++
    this.fieldsDiffering += comparison.differences.length
    if (comparison.absent !== null) this.absentBlocks.push({ block: number, absentOn: comparison.absent })
    for (const d of comparison.differences) this.mismatches.push({ block: number, field: d.field, rpc: d.rpc ?? null, against: d.against ?? null })
    for (const note of comparison.notes) {
      const key = `${note.kind} ${note.field}`
      const seen = this.notes.get(key)
      if (seen === undefined) this.notes.set(key, { field: note.field, kind: note.kind, blocks: 1, first: number, last: number })
      else {
        seen.blocks++
        seen.last = number
      }
    }
  }

  get differs(): boolean {
    return this.blocksDiffering > 0
  }

  noteSummaries(): NoteSummary[] {
    return [...this.notes.values()]
  }

  toJSON(range: { from: number; to: number; rpc: EndpointSummary; against: EndpointSummary }): CompareResultJson {
    return {
      ...range,
      blocksCompared: this.blocksCompared,
      blocksDiffering: this.blocksDiffering,
      fieldsDiffering: this.fieldsDiffering,
      mismatches: this.mismatches,
      absentBlocks: this.absentBlocks,
      notes: this.noteSummaries(),
    }
  }
}

/** The lines a block that differs prints: one per field, naming block, field and both values. */
export function blockLines(comparison: BlockComparison): string[] {
  const { number } = comparison
  if (comparison.absent !== null) {
    return [`block ${number}: absent on ${comparison.absent === 'both' ? 'both sides' : `--${comparison.absent}`} (null)`]
  }
  return comparison.differences.map((d) => `block ${number} ${d.field}: --rpc ${show(d.rpc)} != --against ${show(d.against)}`)
}

export function endpointLine(side: Side, endpoint: EndpointSummary): string {
  const how = endpoint.method === 'eth_getHeaderByNumber' ? endpoint.method : 'eth_getBlockByNumber (it has no eth_getHeaderByNumber)'
  return `--${side}${side === 'rpc' ? '    ' : ''} ${endpoint.url}  head ${endpoint.head}, headers by ${how}`
}

export function noteLine(note: NoteSummary): string {
  const what =
    note.kind === 'differs' ? `${note.field} differs` : `${note.field} only on --${note.kind === 'only-rpc' ? 'rpc' : 'against'}`
  const where = note.blocks === 1 ? `block ${note.first}` : `${note.blocks} blocks between ${note.first} and ${note.last}`
  return `note: ${what} (${where}): not a header field, not a mismatch`
}

export function summaryLine(report: CompareReport, from: number, to: number): string {
  const absent = report.absentBlocks.length > 0 ? ` (${report.absentBlocks.length} absent on a side)` : ''
  return (
    `${report.blocksCompared} blocks compared (${from}..${to}), ${report.blocksDiffering} differing${absent}, ` +
    `${report.fieldsDiffering} field${report.fieldsDiffering === 1 ? '' : 's'} differing`
  )
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)'
  return typeof value === 'string' ? value : JSON.stringify(value)
}
