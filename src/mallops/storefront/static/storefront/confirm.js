/* Mallops 商城: ask before what cannot be undone (取消订单, 确认收货, 删除地址, 撤回同意). A form, or its
   submit button, carries data-confirm="问题？"; this script opens the page's <dialog id="shop-confirm">.
   Without JavaScript the form submits as it is (the server checks everything): the dialog is a courtesy. */
(function () {
  "use strict";
  var dialog = document.getElementById("shop-confirm");
  function ask(text, onOk) {
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(text)) onOk();
      return;
    }
    dialog.querySelector("[data-confirm-text]").textContent = text;
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "ok") onOk();
    };
    dialog.showModal();
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter || null;
    var text = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (!text || form.dataset.confirmed === "1") return;
    event.preventDefault();
    ask(text, function () {
      form.dataset.confirmed = "1";
      // form.submit() drops the pressed button's name and value: carry them over
      if (button && button.name) {
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = button.name;
        field.value = button.value;
        form.appendChild(field);
      }
      form.submit();
    });
  }, true);
})();
