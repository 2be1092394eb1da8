// Starts GOV.UK Frontend and MOJ Frontend components. Loaded as a module, so
// it runs only in browsers that GOV.UK Frontend supports.
import { initAll as initGovuk } from "./govuk-frontend.min.js";
import { initAll as initMoj } from "./moj-frontend.min.js";

initGovuk();
initMoj();
