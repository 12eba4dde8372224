// MathJax 3, served by the site itself (mathjax/, copied from the docs extra's
// django-static-mathjax by scripts/mkdocs_hooks.py): the maths renders without a network.
// Only elements of class "arithmatex" are typeset: pymdownx.arithmatex's output, and the
// table-of-contents entries the hook wraps in the same span.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex"
  }
};
// MathJax's startup typesets the page it loads with. When Material swaps in another page without
// reloading (instant navigation), typeset the new content.
let ltcFirstPage = true;
document$.subscribe(() => {
  if (ltcFirstPage) {
    ltcFirstPage = false;
    return;
  }
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) {
    mj.startup.promise.then(() => {
      mj.typesetClear();
      return mj.typesetPromise();
    });
  }
});
