import { type DragEvent, type ReactElement, useRef, useState } from 'react';
import { filesFromDrop } from './filesFromDrop';
import { useScanActions } from './state/scanStore';

/** Drop target and file/folder pickers for a NIfTI file or a DICOM series. */
export function DropZone(): ReactElement {
  const { openFiles, openSample } = useScanActions();
  const [over, setOver] = useState(false);
  const folderInput = useRef<HTMLInputElement>(null);

  const onDrop = async (e: DragEvent): Promise<void> => {
    e.preventDefault();
    setOver(false);
    const files = await filesFromDrop(e.dataTransfer);
    if (files.length) void openFiles(files);
  };

  return (
    <section
      className={over ? 'dropzone over' : 'dropzone'}
      aria-label="Open a scan"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => void onDrop(e)}
    >
      <span>Drop a CT here (NIfTI .nii/.nii.gz, or DICOM files or folder)</span>
      <label className="button">
        Open file…
        <input
          type="file"
          multiple
          data-testid="file-input"
          hidden
          onChange={(e) => {
            const files = Array.from(e.currentTarget.files ?? []);
            e.currentTarget.value = '';
            if (files.length) void openFiles(files);
          }}
        />
      </label>
      <button type="button" onClick={() => folderInput.current?.click()}>
        Open DICOM folder…
      </button>
      <input
        ref={folderInput}
        type="file"
        hidden
        data-testid="folder-input"
        {...{ webkitdirectory: '' }}
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          e.currentTarget.value = '';
          if (files.length) void openFiles(files);
        }}
      />
      <button type="button" onClick={() => void openSample()}>
        Open sample
      </button>
    </section>
  );
}
