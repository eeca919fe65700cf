import { RLP } from '@ethereumjs/rlp'
import { KECCAK256_RLP, equalsBytes } from '@ethereumjs/util'
import type { TrieNodeDB } from './node-db.js'
import { compactKey, encodeList, keyNibbles } from './trie-encoding.js'

/**
 * The Merkle Patricia trie under the executor's flat state (and under MerkleStateManager, which the
 * flat state's test runs against): the account trie and, through shallowCopy(), every storage trie. It stands in for @ethereumjs/mpt's MerklePatriciaTrie, whose
 * every put walks the path through an asynchronous task queue and re-hashes it up to the root
 * (about 250 us of CPU per put and 200 us per get on a 2,000-key trie here), which made up half
 * of re-executing a block.
 *
 * Here an update copies the nodes on its path in memory (nodes are immutable) and nothing is
 * encoded or hashed until root() is asked for; then each new node is hashed once. Nodes are the
 * same bytes under the same keys as ethereumjs writes them (the node database key is the hex
 * of the node's keccak, code lives under 'c' ++ code hash), so the store, the persisted
 * checkpoints, proofs and read-only views built on @ethereumjs/mpt read them unchanged.
 *
 * What MerkleStateManager uses of a trie is implemented with the same meaning: get/put/del by
 * unhashed key (keys are hashed with keccak, as `useKeyHashing`), root() and root(hash),
 * checkpoint/commit/revert of the root, shallowCopy, checkRoot, and database() for code.
 * The nodes a root() hashed reach the node database at the next asynchronous call on any trie
 * of the family (the state manager commits after every transaction and block), before commit()
 * or revert() returns at the latest, so a failed block's nodes are in the database when the
 * executor rolls them back.
 */
export class StateTrie {
  readonly EMPTY_TRIE_ROOT = KECCAK256_RLP
  /** Read by MerkleStateManager.shallowCopy(). */
  readonly _opts = { cacheSize: 0 }
  private rootNode: TrieNode | null
  private readonly checkpoints: (TrieNode | null)[] = []
  /** Serializes updates: each one reads the root, awaits node loads, then sets a new root. */
  private lock: Promise<void> = Promise.resolve()

  constructor(
    private readonly store: NodeStore,
    root?: Uint8Array,
  ) {
    this.rootNode = root === undefined ? null : refOf(root)
  }

  /** A trie family (account trie and storage tries) over `db`, with the state root `root`. */
  static create(options: { db: TrieNodeDB; hash: (data: Uint8Array) => Uint8Array; root?: Uint8Array }): StateTrie {
    return new StateTrie(new NodeStore(options.db, options.hash), options.root)
  }

  /** The root hash; hashes (and queues for writing) the nodes changed since it was last asked. */
  root(value?: Uint8Array | null): Uint8Array {
    if (value !== undefined) {
      if (value !== null && value.length !== 32) throw new Error(`Invalid root length. Roots are 32 bytes, got ${value.length} bytes`)
      this.rootNode = value === null ? null : refOf(value)
      return this.root()
    }
    const node = this.rootNode
    if (node === null) return KECCAK256_RLP
    if (node instanceof HashRef) return node.hash
    const hash = this.store.hashRoot(node)
    // the node stays reachable through the store (decoded cache, pending writes, database)
    this.rootNode = new HashRef(hash)
    return hash
  }

  async get(key: Uint8Array): Promise<Uint8Array | null> {
    const path = keyNibbles(this.store.hash(key))
    let node = this.rootNode
    let offset = 0
    for (;;) {
      if (node === null) return null
      if (node instanceof HashRef) node = await this.store.resolve(node)
      if (node instanceof ShortNode) {
        if (!matchesAt(path, offset, node.key)) return null
        offset += node.key.length
        if (node.leaf) return offset === path.length ? node.value : null
        node = node.child
      } else {
        const branch = node as BranchNode
        if (offset === path.length) return branch.value
        node = branch.children[path[offset++]]
      }
    }
  }

  async put(key: Uint8Array, value: Uint8Array | null): Promise<void> {
    if (value === null || value.length === 0) return this.del(key)
    const path = keyNibbles(this.store.hash(key))
    await this.update(async (root) => this.insert(root, path, value))
  }

  async del(key: Uint8Array): Promise<void> {
    const path = keyNibbles(this.store.hash(key))
    await this.update(async (root) => this.remove(root, path))
  }

  checkpoint(): void {
    this.checkpoints.push(this.rootNode)
  }

  hasCheckpoints(): boolean {
    return this.checkpoints.length > 0
  }

  async commit(): Promise<void> {
    if (this.checkpoints.length === 0) throw new Error('trying to commit when not checkpointed')
    this.checkpoints.pop()
    await this.store.flush()
  }

  async revert(): Promise<void> {
    if (this.checkpoints.length === 0) throw new Error('trying to revert when not checkpointed')
    this.rootNode = this.checkpoints.pop() ?? null
    await this.store.flush()
  }

  flushCheckpoints(): void {
    this.checkpoints.length = 0
  }

  /** A trie of the same family (same store and caches) at this trie's root, without checkpoints. */
  shallowCopy(): StateTrie {
    const copy = new StateTrie(this.store)
    copy.rootNode = this.rootNode
    return copy
  }

  /** Writes the nodes hashed so far (by any trie of the family) to the node database. */
  async flush(): Promise<void> {
    await this.store.flush()
  }

  /** Whether the node database holds the root node of `root`. */
  async checkRoot(root: Uint8Array): Promise<boolean> {
    if (equalsBytes(root, KECCAK256_RLP)) return true
    await this.store.flush()
    return (await this.store.load(hex(root))) !== undefined
  }

  /** The node database, for contract code (keys are bytes here, as @ethereumjs/mpt's CheckpointDB takes them). */
  database(): { get(key: Uint8Array): Promise<Uint8Array | undefined>; put(key: Uint8Array, value: Uint8Array): Promise<void> } {
    const { store } = this
    return {
      async get(key) {
        await store.flush()
        return store.load(hex(key))
      },
      async put(key, value) {
        store.queue(hex(key), value)
        await store.flush()
      },
    }
  }

  appliedKey(key: Uint8Array): Uint8Array {
    return this.store.hash(key)
  }

  private async update(change: (root: TrieNode | null) => Promise<TrieNode | null>): Promise<void> {
    const previous = this.lock
    let release!: () => void
    this.lock = new Promise((resolve) => (release = resolve))
    await previous
    try {
      await this.store.flush()
      this.rootNode = await change(this.rootNode)
    } finally {
      release()
    }
  }

  /** `node` with `value` at `path` (from `offset` on); unchanged parts keep their objects. */
  private async insert(node: TrieNode | null, path: Uint8Array, value: Uint8Array, offset = 0): Promise<TrieNode> {
    if (node === null) return new ShortNode(path.subarray(offset), true, value)
    if (node instanceof HashRef) node = await this.store.resolve(node)
    if (node instanceof BranchNode) {
      if (offset === path.length) return node.withValue(value)
      const index = path[offset]
      return node.withChild(index, await this.insert(node.children[index], path, value, offset + 1))
    }
    const short = node as ShortNode
    const common = commonPrefix(short.key, path, offset)
    if (common === short.key.length) {
      if (short.leaf) {
        if (offset + common === path.length) return equalsBytes(short.value, value) ? short : new ShortNode(short.key, true, value)
      } else {
        const child = await this.insert(short.child, path, value, offset + common)
        return new ShortNode(short.key, false, child)
      }
    }
    // the paths part at `common`: a branch there holds the old node's rest and the new leaf
    const branch = new BranchNode(new Array<TrieNode | null>(16).fill(null), null)
    if (common === short.key.length) {
      branch.value = short.value // a leaf whose key ends where the new key goes on
    } else {
      const rest = short.key.subarray(common + 1)
      branch.children[short.key[common]] = short.leaf
        ? new ShortNode(rest, true, short.value)
        : rest.length === 0
          ? short.child
          : new ShortNode(rest, false, short.child)
    }
    const at = offset + common
    if (at === path.length) branch.value = value
    else branch.children[path[at]] = new ShortNode(path.subarray(at + 1), true, value)
    return common === 0 ? branch : new ShortNode(path.subarray(offset, at), false, branch)
  }

  /** `node` without the value at `path`, or `node` itself if it holds none there. */
  private async remove(node: TrieNode | null, path: Uint8Array, offset = 0): Promise<TrieNode | null> {
    if (node === null) return null
    const ref = node
    if (node instanceof HashRef) node = await this.store.resolve(node)
    if (node instanceof ShortNode) {
      if (!matchesAt(path, offset, node.key)) return ref
      if (node.leaf) return offset + node.key.length === path.length ? null : ref
      const child = await this.remove(node.child, path, offset + node.key.length)
      if (child === node.child) return ref
      if (child === null) return null
      const resolved = child instanceof HashRef ? await this.store.resolve(child) : child
      // an extension over a short node merges with it
      if (resolved instanceof ShortNode) return new ShortNode(concatNibbles(node.key, resolved.key), resolved.leaf, resolved.leaf ? resolved.value : resolved.child)
      return new ShortNode(node.key, false, child)
    }
    const branch = node as BranchNode
    let changed: BranchNode
    if (offset === path.length) {
      if (branch.value === null) return ref
      changed = branch.withValue(null)
    } else {
      const index = path[offset]
      const child = await this.remove(branch.children[index], path, offset + 1)
      if (child === branch.children[index]) return ref
      changed = branch.withChild(index, child)
    }
    return this.collapse(changed)
  }

  /** A branch left with one entry becomes a short node (merged with that entry if it is one). */
  private async collapse(branch: BranchNode): Promise<TrieNode | null> {
    let only = -1
    for (let i = 0; i < 16; i++) {
      if (branch.children[i] === null) continue
      if (only !== -1 || branch.value !== null) return branch
      only = i
    }
    if (only === -1) return branch.value === null ? null : new ShortNode(new Uint8Array(0), true, branch.value)
    const child = branch.children[only] as TrieNode
    const resolved = child instanceof HashRef ? await this.store.resolve(child) : child
    const key = Uint8Array.of(only)
    if (resolved instanceof ShortNode) {
      return new ShortNode(concatNibbles(key, resolved.key), resolved.leaf, resolved.leaf ? resolved.value : resolved.child)
    }
    return new ShortNode(key, false, child)
  }
}

type TrieNode = ShortNode | BranchNode | HashRef

/** A node known by its hash only; NodeStore.resolve() loads it. */
class HashRef {
  constructor(readonly hash: Uint8Array) {}
}

/** What encoding a node produced: its RLP, and its hash once a parent or root() needed it. */
interface Encoding {
  rlp: Uint8Array
  hash?: Uint8Array
  /** Whether the node is in the node database or queued for it. */
  stored: boolean
}

/** A leaf (key ends here, `value`) or an extension (`child`), by nibbles. */
class ShortNode {
  encoding?: Encoding
  readonly value: Uint8Array
  readonly child: TrieNode

  constructor(
    readonly key: Uint8Array,
    readonly leaf: boolean,
    valueOrChild: Uint8Array | TrieNode,
  ) {
    if (leaf) {
      this.value = valueOrChild as Uint8Array
      this.child = null as never
    } else {
      this.child = valueOrChild as TrieNode
      this.value = null as never
    }
  }
}

class BranchNode {
  encoding?: Encoding

  constructor(
    readonly children: (TrieNode | null)[],
    public value: Uint8Array | null,
  ) {}

  withChild(index: number, child: TrieNode | null): BranchNode {
    const children = this.children.slice()
    children[index] = child
    return new BranchNode(children, this.value)
  }

  withValue(value: Uint8Array | null): BranchNode {
    return new BranchNode(this.children, value)
  }
}

/**
 * Nodes shared by a trie family: decoded nodes by hash (content-addressed, so one cache serves
 * every trie and every state), nodes hashed but not yet written, and the node database.
 */
class NodeStore {
  private pending = new Map<string, Uint8Array>()

  constructor(
    private readonly db: TrieNodeDB,
    readonly hash: (data: Uint8Array) => Uint8Array,
  ) {}

  queue(key: string, rlp: Uint8Array): void {
    this.pending.set(key, rlp)
  }

  /** Writes the queued nodes to the node database. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return
    const ops = [...this.pending].map(([key, value]) => ({ type: 'put' as const, key, value }))
    this.pending = new Map()
    await this.db.batch(ops)
  }

  /** A node's bytes by database key (hex), or undefined. */
  async load(key: string): Promise<Uint8Array | undefined> {
    return this.pending.get(key) ?? ((await this.db.get(key)) as Uint8Array | undefined)
  }

  async resolve(ref: HashRef): Promise<ShortNode | BranchNode> {
    const key = hex(ref.hash)
    const cached = decodedNodes.get(key)
    if (cached !== undefined) return cached
    const rlp = await this.load(key)
    if (rlp === undefined) throw new Error('Missing node in DB')
    const node = decodeNode(RLP.decode(rlp) as NestedBytes[])
    node.encoding = { rlp, hash: ref.hash, stored: true }
    decodedNodes.set(key, node)
    return node
  }

  /** Hashes `root` and every new node under it, queueing those not stored yet. */
  hashRoot(root: ShortNode | BranchNode): Uint8Array {
    const encoding = this.encode(root)
    return this.hashOf(root, encoding)
  }

  private hashOf(node: ShortNode | BranchNode, encoding: Encoding): Uint8Array {
    encoding.hash ??= this.hash(encoding.rlp)
    if (!encoding.stored) {
      encoding.stored = true
      const key = hex(encoding.hash)
      this.pending.set(key, encoding.rlp)
      decodedNodes.set(key, node)
    }
    return encoding.hash
  }

  private encode(node: ShortNode | BranchNode): Encoding {
    if (node.encoding !== undefined) return node.encoding
    let rlp: Uint8Array
    if (node instanceof ShortNode) {
      const key = compactKey(node.key, node.leaf)
      if (node.leaf) {
        rlp = encodeList([key, node.value], 0b11)
      } else {
        const child = this.reference(node.child)
        rlp = encodeList([key, child], child.length === 32 ? 0b11 : 0b01)
      }
    } else {
      // items: 16 child references (hashes are 32 bytes, embedded nodes are RLP already), the value
      const items = new Array<Uint8Array>(17)
      let strings = 1 << 16
      for (let i = 0; i < 16; i++) {
        const ref = this.reference(node.children[i])
        items[i] = ref
        if (ref.length === 32 || ref === EMPTY_STRING) strings |= 1 << i
      }
      items[16] = node.value ?? EMPTY_BYTES
      rlp = encodeList(items, strings)
    }
    node.encoding = { rlp, stored: false }
    return node.encoding
  }

  /**
   * How a parent refers to a child: the child's hash (32 bytes, to encode as a string), the
   * child's RLP when it encodes to under 32 bytes (embedded as is), or EMPTY_STRING for none.
   */
  private reference(child: TrieNode | null): Uint8Array {
    if (child === null) return EMPTY_STRING
    if (child instanceof HashRef) return child.hash
    const encoding = this.encode(child)
    if (encoding.rlp.length < 32) return encoding.rlp
    return this.hashOf(child, encoding)
  }
}

/**
 * Decoded nodes by hash, shared by every StateTrie in the process: a node's content is its key,
 * so a hit is right whichever state asked. Two generations of maps bound it (a generation holds
 * up to 10,000 nodes, ~2.5 KB a decoded branch node): a hit in the older one moves the node to the newer,
 * and when the newer is full the older is dropped.
 */
class NodeCache {
  private young = new Map<string, ShortNode | BranchNode>()
  private old = new Map<string, ShortNode | BranchNode>()

  constructor(private readonly generation: number) {}

  get(key: string): ShortNode | BranchNode | undefined {
    const young = this.young.get(key)
    if (young !== undefined) return young
    const old = this.old.get(key)
    if (old !== undefined) this.set(key, old)
    return old
  }

  set(key: string, node: ShortNode | BranchNode): void {
    if (this.young.size >= this.generation) {
      this.old = this.young
      this.young = new Map()
    }
    this.young.set(key, node)
  }
}

const decodedNodes = new NodeCache(10_000)

type NestedBytes = Uint8Array | NestedBytes[]

function refOf(root: Uint8Array): TrieNode | null {
  return equalsBytes(root, KECCAK256_RLP) ? null : new HashRef(root)
}

function decodeNode(items: NestedBytes[]): ShortNode | BranchNode {
  if (items.length === 17) {
    const children = new Array<TrieNode | null>(16)
    for (let i = 0; i < 16; i++) children[i] = childOf(items[i])
    const value = items[16] as Uint8Array
    return new BranchNode(children, value.length === 0 ? null : value)
  }
  if (items.length === 2) {
    const { key, leaf } = decodeCompactKey(items[0] as Uint8Array)
    return new ShortNode(key, leaf, leaf ? (items[1] as Uint8Array) : (childOf(items[1]) as TrieNode))
  }
  throw new Error(`invalid trie node with ${items.length} items`)
}

function childOf(item: NestedBytes): TrieNode | null {
  if (Array.isArray(item)) return decodeNode(item)
  if (item.length === 0) return null
  if (item.length === 32) return new HashRef(item)
  throw new Error(`invalid trie node reference of ${item.length} bytes`)
}

function matchesAt(path: Uint8Array, offset: number, key: Uint8Array): boolean {
  if (offset + key.length > path.length) return false
  for (let i = 0; i < key.length; i++) if (path[offset + i] !== key[i]) return false
  return true
}

function commonPrefix(key: Uint8Array, path: Uint8Array, offset: number): number {
  const max = Math.min(key.length, path.length - offset)
  let i = 0
  while (i < max && key[i] === path[offset + i]) i++
  return i
}

function concatNibbles(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

function decodeCompactKey(bytes: Uint8Array): { key: Uint8Array; leaf: boolean } {
  if (bytes.length === 0) throw new Error('invalid trie node: empty key')
  const flag = bytes[0] >> 4
  const odd = flag & 1
  const key = new Uint8Array((bytes.length - 1) * 2 + odd)
  let n = 0
  if (odd === 1) key[n++] = bytes[0] & 0x0f
  for (let i = 1; i < bytes.length; i++) {
    key[n++] = bytes[i] >> 4
    key[n++] = bytes[i] & 0x0f
  }
  return { key, leaf: (flag & 2) !== 0 }
}

/** Marks an absent child among a branch's references (encoded as the empty string). */
const EMPTY_STRING = new Uint8Array(0)
const EMPTY_BYTES = new Uint8Array(0)

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
}
