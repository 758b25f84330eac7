"""EVMTensor oracle: the off-chain Yuma Consensus engine (``oracle.yuma``) and, later, the relay."""
