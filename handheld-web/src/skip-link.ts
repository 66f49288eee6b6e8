// Both clients' (bundled into each by scripts/build-web.mjs as its own tiny entry, the console's too): the
// "跳到主要内容" link that index.html puts first in the page. Both clients route by the address's fragment
// (#/alerts…, #holds), so following a plain #fragment link would be taken for a page change; instead the
// click moves focus to whatever <main> the app is showing now, leaving the address alone.
document.addEventListener('click', (e) => {
  const link = (e.target as Element | null)?.closest?.('a.skip-link');
  if (!link) return;
  e.preventDefault();
  const main = document.querySelector<HTMLElement>('main');
  if (!main) return;
  if (!main.hasAttribute('tabindex')) main.setAttribute('tabindex', '-1');
  main.focus();
  main.scrollIntoView({ block: 'start' });
});
