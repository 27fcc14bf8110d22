// libmime ships with mailparser (its RFC 2047 decoder) but has no type declarations.
declare module 'libmime' {
  export function decodeWords(value: string): string;
}
