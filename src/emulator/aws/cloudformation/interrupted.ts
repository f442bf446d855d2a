/**
 * Why an operation interrupted by a crash is failed on restart: its background work is gone and
 * the emulator cannot know how far IAM got, so it says so rather than pretending either outcome.
 */
export const INTERRUPTED_REASON =
  "The emulator stopped while this operation was in progress; it was marked failed when the emulator started again.";
