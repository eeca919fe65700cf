/**
 * Typed errors. Every error the node raises on purpose is a NodeError whose `type` carries a
 * string `code` plus the facts needed to act on it (block number, field, expected, actual...).
 * rpc/errors.ts is the one place that maps them to JSON-RPC error objects.
 */
export class NodeError<T extends { code: string }> extends Error {
  readonly type: T

  constructor(type: T, message?: string) {
    super(message ?? renderType(type))
    this.type = type
    this.name = new.target.name
  }

  get code(): T['code'] {
    return this.type.code
  }
}

function renderType(type: { code: string }): string {
  const details = Object.entries(type)
    .filter(([key]) => key !== 'code')
    .map(([key, value]) => `${key}=${String(value)}`)
  return details.length > 0 ? `${type.code} ${details.join(' ')}` : type.code
}

/** A header field that re-execution checks against the block's header. */
export type VerifiedField =
  | 'hash'
  | 'parentHash'
  | 'number'
  | 'stateRoot'
  | 'receiptsRoot'
  | 'logsBloom'
  | 'gasUsed'
  | 'transactionsRoot'
  | 'withdrawalsRoot'
  | 'uncleHash'
  | 'requestsHash'
  | 'baseFeePerGas'
  | 'excessBlobGas'
  | 'blobGasUsed'
  | 'gasLimit'
  | 'timestamp'

export type ExecutionErrorType =
  | { code: 'FIELD_MISMATCH'; number: bigint; field: VerifiedField; expected: string; actual: string }
  | { code: 'INVALID_BLOCK'; number: bigint; reason: string }

/** A block failed verification. Nothing of it may be stored. */
export class ExecutionError extends NodeError<ExecutionErrorType> {
  constructor(type: ExecutionErrorType) {
    super(
      type,
      type.code === 'FIELD_MISMATCH'
        ? `block ${type.number}: ${type.field} mismatch: header has ${type.expected}, re-execution gives ${type.actual}`
        : `block ${type.number}: invalid block: ${type.reason}`,
    )
  }
}

export type ChainErrorType =
  | { code: 'INVALID_GENESIS'; reason: string }
  | { code: 'GENESIS_MISMATCH'; expected: string; actual: string }
  | { code: 'DECODE_FAILED'; offset: number; reason: string }
  | { code: 'UNKNOWN_PARENT'; number: bigint; parentHash: string }
  | { code: 'GENESIS_NEEDS_COMPAT'; number: bigint; parentHash: string; genesis: string; datadirCompat: string; compat: string }

export class ChainError extends NodeError<ChainErrorType> {
  constructor(type: ChainErrorType) {
    super(type, renderChainError(type))
  }
}

function renderChainError(type: ChainErrorType): string {
  switch (type.code) {
    case 'INVALID_GENESIS':
      return `invalid genesis: ${type.reason}`
    case 'GENESIS_MISMATCH':
      return `datadir belongs to another chain: its genesis is ${type.expected}, this genesis file gives ${type.actual}`
    case 'DECODE_FAILED':
      return `cannot decode block at byte offset ${type.offset}: ${type.reason}`
    case 'UNKNOWN_PARENT':
      return `block ${type.number} does not extend the stored chain: parent ${type.parentHash} is unknown`
    case 'GENESIS_NEEDS_COMPAT':
      return (
        `block ${type.number}: parentHash ${type.parentHash} is not this datadir's genesis ${type.genesis} (--compat ${type.datadirCompat}) ` +
        `but the genesis this genesis file gives with --compat ${type.compat}` +
        (type.compat === 'anvil' ? " (anvil's genesis header carries the empty trie root as its state root)" : '') +
        `: the chain verifies only with --compat ${type.compat}; import it into a new datadir with --compat ${type.compat}`
      )
  }
}

export type DatadirErrorType =
  | { code: 'NOT_INITIALIZED'; datadir: string }
  | { code: 'CORRUPT'; reason: string }
  | { code: 'LOCKED'; datadir: string }
  | { code: 'SETTING_CONFLICT'; setting: string; stored: string; requested: string }
  | { code: 'WRITE_FAILED'; number: bigint; reason: string }

export class DatadirError extends NodeError<DatadirErrorType> {
  constructor(type: DatadirErrorType) {
    super(type, renderDatadirError(type))
  }
}

function renderDatadirError(type: DatadirErrorType): string {
  switch (type.code) {
    case 'NOT_INITIALIZED':
      return `datadir ${type.datadir} holds no chain: run \`hindsight import --genesis FILE --datadir ${type.datadir} ...\` first`
    case 'CORRUPT':
      return `datadir is corrupt: ${type.reason}`
    case 'LOCKED':
      return `datadir ${type.datadir} is in use by another process`
    case 'SETTING_CONFLICT':
      return `datadir was created with ${type.setting}=${type.stored}, cannot change it to ${type.requested}`
    case 'WRITE_FAILED':
      return `storing block ${type.number} failed, the import stops there (the blocks before it are stored): ${type.reason}`
  }
}

export type ArgumentErrorType = { code: 'INVALID_ARGUMENT'; argument: string; reason: string }

/** A command-line argument or setting the node cannot use. */
export class ArgumentError extends NodeError<ArgumentErrorType> {
  constructor(type: ArgumentErrorType) {
    super(type, `${type.argument}: ${type.reason}`)
  }
}

export type LogQueryErrorType =
  | { code: 'UNKNOWN_BLOCK'; hash: string }
  | { code: 'INVALID_BLOCK_RANGE'; from: bigint; to: bigint }
  | { code: 'BEYOND_HEAD'; to: bigint; head: bigint }
  | { code: 'PENDING_UNSUPPORTED' }
  | { code: 'TAG_NOT_FOUND'; tag: 'safe' | 'finalized' }
  | { code: 'RANGE_TOO_WIDE'; blocks: bigint; max: number }
  | { code: 'TOO_MANY_RESULTS'; max: number }

/**
 * A log query the node refuses. The messages are geth's (eth/filters) where geth has the same
 * refusal, so clients that match on them behave the same; the two limits say how to narrow.
 */
export class LogQueryError extends NodeError<LogQueryErrorType> {
  constructor(type: LogQueryErrorType) {
    super(type, renderLogQueryError(type))
  }
}

function renderLogQueryError(type: LogQueryErrorType): string {
  switch (type.code) {
    case 'UNKNOWN_BLOCK':
      return 'unknown block'
    case 'INVALID_BLOCK_RANGE':
      return 'invalid block range params'
    case 'BEYOND_HEAD':
      return 'block range extends beyond current head block'
    case 'PENDING_UNSUPPORTED':
      return 'pending logs are not supported'
    case 'TAG_NOT_FOUND':
      return `${type.tag} header not found`
    case 'RANGE_TOO_WIDE':
      return `query exceeds max block range ${type.max}; narrow fromBlock/toBlock`
    case 'TOO_MANY_RESULTS':
      return `query returned more than ${type.max} results; narrow the block range or add address/topic filters`
  }
}

export type StateErrorType =
  | { code: 'STATE_PRUNED'; number: bigint; oldest: bigint | null }
  | { code: 'STATE_UNAVAILABLE'; number: bigint; reason: string }

/** State the node cannot produce for a block. */
export class StateError extends NodeError<StateErrorType> {
  constructor(type: StateErrorType) {
    super(
      type,
      type.code === 'STATE_PRUNED'
        ? `state at block ${type.number} is pruned (snap retention)` +
            (type.oldest === null ? '' : `; the oldest block whose state is available is ${type.oldest}`)
        : `state at block ${type.number} is unavailable: ${type.reason}`,
    )
  }
}

export type UpstreamErrorType =
  | { code: 'NO_UPSTREAM'; reason: string }
  /** The upstream answered with a JSON-RPC error: passed on to our client as it came. */
  | { code: 'RPC_ERROR'; url: string; method: string; rpcCode: number; rpcMessage: string; data?: unknown }
  /** No usable answer: connection refused, HTTP error, timeout, malformed response. */
  | { code: 'TRANSPORT'; url: string; method: string; reason: string }
  /** An answer that cannot be what was asked (a block with another number, a hash that does not match). */
  | { code: 'BAD_RESPONSE'; url: string; method: string; reason: string }

/** Talking to an upstream sequencer failed. */
export class UpstreamError extends NodeError<UpstreamErrorType> {
  constructor(type: UpstreamErrorType) {
    super(type, renderUpstreamError(type))
  }
}

function renderUpstreamError(type: UpstreamErrorType): string {
  switch (type.code) {
    case 'NO_UPSTREAM':
      return `no upstream available: ${type.reason}`
    case 'RPC_ERROR':
      return type.rpcMessage
    case 'TRANSPORT':
      return `upstream ${type.url} ${type.method}: ${type.reason}`
    case 'BAD_RESPONSE':
      return `upstream ${type.url} ${type.method}: bad response: ${type.reason}`
  }
}

export type SyncErrorType =
  | { code: 'REORG_BELOW_FINALIZED'; number: bigint; finalized: bigint; ourHash: string; theirHash: string }
  | { code: 'NO_COMMON_ANCESTOR'; from: bigint; to: bigint }

/** Live sync cannot follow the upstream's chain. */
export class SyncError extends NodeError<SyncErrorType> {
  constructor(type: SyncErrorType) {
    super(
      type,
      type.code === 'REORG_BELOW_FINALIZED'
        ? `refusing reorg: the upstream's block ${type.number} is ${type.theirHash}, ours is ${type.ourHash}, and it is at or below the finalized block ${type.finalized}`
        : `no common ancestor with the upstream between blocks ${type.from} and ${type.to}`,
    )
  }
}
