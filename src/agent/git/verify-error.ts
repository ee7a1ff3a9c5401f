/** A revision that may not be applied because its signature is missing or does not verify, or the trusted keys are unusable. */
export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationError';
  }
}
