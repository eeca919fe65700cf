// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Anchor
/// @notice Records L2 block hashes and state roots on L1, posted by one proposer fixed at deployment.
/// A follower re-executes the L2 chain itself and treats an L2 block as finalized once the root
/// anchored here, in a final L1 block, equals the root it computed.
contract Anchor {
    struct Root {
        bytes32 blockHash;
        bytes32 stateRoot;
    }

    /// The only address allowed to anchor. Immutable: a follower that trusts this contract's
    /// events trusts this key, so changing it means deploying (and configuring) a new contract.
    address public immutable proposer;

    /// The highest L2 block anchored so far; 0 before the first anchor (the genesis block is
    /// never anchored: every follower starts from the same genesis file).
    uint256 public latestBlock;

    /// The anchored roots by L2 block number; zero for a block never anchored.
    mapping(uint256 => Root) public anchors;

    event Anchored(uint256 indexed l2Block, bytes32 blockHash, bytes32 stateRoot);

    error ZeroProposer();
    error NotProposer(address caller);
    error NotAfterLatest(uint256 l2Block, uint256 latestBlock);

    constructor(address proposer_) {
        if (proposer_ == address(0)) revert ZeroProposer();
        proposer = proposer_;
    }

    /// @notice Anchors L2 block `l2Block` with its hash and state root.
    /// @dev Anchors only move forward (`l2Block` > `latestBlock`), so each L2 block is anchored
    /// at most once and an anchor can never be rewritten: a follower that finalized a block
    /// against its anchor can rely on it staying, the events come in L2 order (a reader keeps a
    /// single frontier), and a proposer that restarts or retries a transaction whose receipt it
    /// missed cannot post a duplicate; it resumes after `latestBlock`.
    function anchor(uint256 l2Block, bytes32 blockHash, bytes32 stateRoot) external {
        if (msg.sender != proposer) revert NotProposer(msg.sender);
        if (l2Block <= latestBlock) revert NotAfterLatest(l2Block, latestBlock);
        latestBlock = l2Block;
        anchors[l2Block] = Root(blockHash, stateRoot);
        emit Anchored(l2Block, blockHash, stateRoot);
    }
}
