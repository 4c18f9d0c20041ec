import { registerSW } from 'virtual:pwa-register';
import { create } from 'zustand';

/** Whether a new version of the app is installed and waits for a reload (applied only then). */
export const useUpdateStore = create<{ waiting: boolean; apply: () => void }>()(() => ({ waiting: false, apply: () => undefined }));

/** Registers the service worker (offline use); a new version is announced, never swapped in mid-run. */
export function registerPwa(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const update = registerSW({
    onNeedRefresh: () => useUpdateStore.setState({ waiting: true, apply: () => void update(true) }),
  });
}
