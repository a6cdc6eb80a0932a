export { CommandKey, commandKeyOf, keyIdOf, type CommandPublicKey, type SignedFields } from './command-key.js';
