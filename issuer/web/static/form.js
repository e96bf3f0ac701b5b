// After a refused form, the keyboard starts at the first field to correct
// (its error is next to it and tied to it with aria-describedby).
(function () {
  "use strict";
  var bad = document.querySelector('[aria-invalid="true"]');
  if (bad) bad.focus();
})();
