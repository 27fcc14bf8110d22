import type { PreviewPart } from '../contract/messages';

export interface PartScan {
  parts: PreviewPart[];
  /** The lines ended inside a multipart before any attachment was seen: more lines would tell more. */
  wantsMore: boolean;
}

/** Placeholder until the scanner lands (same commit series). */
export function scanPreviewParts(_bytes: Buffer, _messageSize: number, _complete: boolean): PartScan {
  return { parts: [], wantsMore: false };
}
