// @niivue/dcm2niix ships no type declarations; this covers the part we use.
declare module '@niivue/dcm2niix' {
  interface Processor {
    b(value: 'y' | 'n' | 'o'): Processor;
    z(value: 'y' | 'o' | 'i' | 'n' | '3'): Processor;
    i(value: 'y' | 'n'): Processor;
    run(): Promise<File[]>;
  }
  export class Dcm2niix {
    worker: Worker | null;
    init(): Promise<boolean>;
    input(files: ArrayLike<File>): Processor;
  }
}
