import { registerSW } from 'virtual:pwa-register';
import { create } from 'zustand';

/** Whether a new version of the app is installed and waits for a reload (applied only then). */
export const useUpdateStore = create<{ waiting: boolean; apply: () => void }>()(() => ({ waiting: false, apply: () => undefined }));

/** Registers the service worker (offline use); a new version is announced, never swapped in mid-run. */
export function registerPwa(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const update = registerSW({
    onNeedRefresh: () => useUpdateStore.setState({ waiting: true, apply: () => void applyUpdate(update) }),
  });
}

/**
 * A waiting worker is told to take over; vite-plugin-pwa reloads when it controls the page. A page the
 * old worker never controlled (the first visit) has nothing waiting — the new worker is already active —
 * so a plain reload brings the new version in.
 */
async function applyUpdate(skipWaiting: (reload: boolean) => Promise<void>): Promise<void> {
  const registration = await navigator.serviceWorker.getRegistration();
  if (registration?.waiting && navigator.serviceWorker.controller) await skipWaiting(true);
  else window.location.reload();
}
