import { join } from 'node:path'
import { REPO_ROOT } from '../../fixtures/anvil/paths.js'

/**
 * The devnet chain's genesis (fixtures/devnet/README.md says why it looks the way it does). Found
 * from the repository root, so the TypeScript source and its build in dist/ read the same file.
 */
export const DEVNET_GENESIS_PATH = join(REPO_ROOT, 'fixtures', 'devnet', 'genesis.json')

/**
 * The key that deploys the anchor on the devnet's L1 and proposes to it: anvil's dev account 9,
 * on L1 only (fixtures/devnet/README.md). compose.yaml reads the same file, and relies on the
 * anchor's address being that of this key's first deployment on a fresh L1.
 */
export const DEVNET_L1_KEY_PATH = join(REPO_ROOT, 'fixtures', 'devnet', 'l1-proposer.key')
