"""The hand-written items of the demo stream, with the intent each was written to carry.

Every text here was written for Nigran; none is a row of any dataset. Labels: ``ok`` is benign,
``ok~`` is benign but built to look risky (a near-miss a lexicon may trip on); anything else is
the policy category the item was written to violate. Language codes: ``ur`` Urdu in Nastaliq,
``ur-Latn`` Roman Urdu, ``en`` English, ``pnb`` Punjabi in Shahmukhi, ``mix`` code-mixed
Urdu/English, ``ps`` Pashto, ``sd`` Sindhi.

CONTENT WARNING: the violating items contain insults, slurs, threats, hate, sexual solicitation,
self-harm statements and extremist incitement, written to exercise a moderation system.
"""

# One item per line reads and reviews better than wrapped strings, so long lines are allowed here.
# ruff: noqa: E501

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("ur", "ur-Latn", "en", "pnb", "mix", "ps", "sd")
CATEGORIES = ("harassment", "threat", "hate", "sexual", "self_harm", "violent_extremism")


@dataclass(frozen=True)
class Item:
    kind: str
    lang: str
    label: str
    texts: dict[str, str] = field(default_factory=dict)
    author: str = ""
    """The account that posts it, where it matters (a profile's owner); otherwise drawn."""


def v(
    lang: str, label: str, caption: str, tags: str = "", transcript: str = "", author: str = ""
) -> Item:
    texts = {"caption": caption}
    if tags:
        texts["hashtags"] = tags
    if transcript:
        texts["transcript"] = transcript
    return Item("video", lang, label, texts, author)


def c(lang: str, label: str, body: str) -> Item:
    return Item("comment", lang, label, {"body": body})


def p(lang: str, label: str, name: str, bio: str, author: str) -> Item:
    return Item("profile", lang, label, {"display_name": name, "bio": bio}, author)


def im(lang: str, label: str, caption: str, on_screen: str = "") -> Item:
    texts = {"caption": caption}
    if on_screen:
        texts["on_screen"] = on_screen
    return Item("image", lang, label, texts)


def t(lang: str, label: str, body: str, title: str = "") -> Item:
    texts = {"body": body}
    if title:
        texts["title"] = title
    return Item("text", lang, label, texts)


def live(lang: str, label: str, title: str, transcript: str) -> Item:
    return Item("live", lang, label, {"title": title, "transcript": transcript})


H, TH, HA, S, SH, VE = CATEGORIES

# fmt: off

URDU = [
    v("ur", "ok", "آج امی کے ہاتھ کی بریانی بنائی، پوری ترکیب ویڈیو میں ہے 🍛", "#بریانی #کھانا #گھر_کا_کھانا"),
    v("ur", "ok", "بارش میں پکوڑے اور چائے، لاہور کا موسم آج کمال ہے ☔", "#لاہور #بارش"),
    v("ur", "ok", "بابر اعظم کی شاندار سنچری! کیا اننگز تھی، دل خوش کر دیا 🏏", "#کرکٹ #پاکستان"),
    v("ur", "ok", "مہندی کی رات، بہن کی شادی کی تیاریاں شروع ہو گئیں 💛", "#شادی #مہندی"),
    v("ur", "ok", "ہنزہ کی وادی میں اس سال کی پہلی برف باری ❄️ سردی بہت ہے مگر نظارہ لاجواب", "#ہنزہ #سفر"),
    v("ur", "ok", "میٹرک کے طلبہ کے لیے ریاضی کے اہم سوالات، آخر تک ضرور دیکھیں 📚", "#تعلیم #میٹرک",
      "السلام علیکم بچو، آج ہم الجبرا کے وہ پانچ سوال حل کریں گے جو ہر سال پرچے میں آتے ہیں۔"),
    v("ur", "ok", "گاؤں میں دادی کے ساتھ ساگ اور مکئی کی روٹی 🌽 اس سے بہتر کچھ نہیں"),
    v("ur", "ok", "کراچی کے ساحل پر شام، سمندر کی ہوا اور گرم بھٹے 🌊", "#کراچی #سی_ویو"),
    v("ur", "ok", "بچوں کے لیے آسان سائنس تجربہ: لیموں سے بلب جلائیں 🍋💡", "#سائنس #بچے"),
    v("ur", "ok", "امی نے زندگی میں پہلی بار ویڈیو بنائی ہے، سب دعا دیں ❤️"),
    v("ur", "ok", "بارات میں دلہے کے دوستوں کا زبردست ڈانس 😂", "#بارات #شادی_سیزن"),
    v("ur", "ok", "اسلام آباد میں صبح کی دوڑ، مارگلہ کے دامن میں دس کلومیٹر مکمل 🏃", "#صحت"),
    v("ur", "ok", "اندرون لاہور کی گلیاں، ہر موڑ پر ایک کہانی", "#لاہور #تاریخ"),
    v("ur", "ok", "سیلاب متاثرین کے لیے راشن تقسیم کیا، آپ بھی اپنا حصہ ڈالیں 🙏", "#خدمت"),
    v("ur", "ok", "موٹروے پر گاڑی خراب ہو گئی تو موٹروے پولیس نے بہت مدد کی، شکریہ"),
    v("ur", "ok", "پٹرول پھر مہنگا ہو گیا، تنخواہ وہیں کی وہیں۔ آپ کا گزارا کیسے ہو رہا ہے؟", "#مہنگائی"),
    v("ur", "ok", "آج کی خبر پر میرا تبصرہ: بجلی کے بل میں یہ نئے ٹیکس کس لیے؟", "#خبریں"),
    v("ur", "ok", "دلہن کا لہنگا خود ڈیزائن کیا، کیسا لگا؟ ✨", "#دلہن #فیشن"),
    v("ur", "ok", "جمعہ مبارک، اللہ سب کی مشکلیں آسان کرے 🤲"),
    v("ur", "ok", "نانی کی کہانیاں: آج سنیں بادشاہ اور چالاک لومڑی کی کہانی", "#کہانی",
      "ایک دفعہ کا ذکر ہے، ایک جنگل میں ایک بہت چالاک لومڑی رہتی تھی۔"),
    v("ur", "ok", "پشاور کی قصہ خوانی بازار کا قہوہ، ایک بار ضرور پئیں ☕"),
    v("ur", "ok", "ملتان کے آم نہیں تو ملتان کا سوہن حلوہ ہی سہی 😋", "#ملتان"),
    v("ur", "ok", "پی ایس ایل کی ٹکٹیں کہاں سے ملیں گی؟ کوئی بتائے پلیز", "#پی_ایس_ایل"),
    v("ur", "ok", "ابو کی پرانی موٹر سائیکل کو نیا رنگ کروایا، ابو بہت خوش ہوئے 🏍️"),
    v("ur", "ok", "خطاطی کا نیا نمونہ: بسم اللہ، نستعلیق میں ✍️", "#خطاطی #فن"),
    v("ur", "ok", "شاعری: شام ڈھلی تو یاد تمہاری، چپکے سے دروازے پر آئی 🌙", "#شاعری #اردو"),
    v("ur", "ok", "میری پہلی غزل، اصلاح کی گزارش ہے۔ دل کی بات لبوں تک آئی، پھر بھی ہم خاموش رہے", "#غزل"),
    v("ur", "ok", "عید کی تیاری: چوڑیاں، مہندی اور نئے کپڑے 🌙", "#عید #چاند_رات"),
    v("ur", "ok", "سوات کی ندی کنارے ناشتہ، پراٹھا اور انڈہ 🍳", "#سوات"),
    v("ur", "ok", "گھر پر سستی اور مزیدار نہاری بنانے کا طریقہ", "#نہاری #ترکیب"),
    v("ur", "ok~", "شاہین نے پہلی ہی گیند پر وکٹ اڑا دی، بیٹسمین کو تو مار ہی ڈالا 🔥", "#کرکٹ"),
    v("ur", "ok~", "خبر: کراچی میں خودکش حملہ ناکام، پولیس نے ملزم کو گرفتار کر لیا۔ اللہ سب کو محفوظ رکھے", "#خبریں"),
    v("ur", "ok~", "ڈرامے کے ولن نے کہا \"زندہ نہیں چھوڑوں گا\" اور اگلے سین میں خود پھسل گیا 😂", "#ڈرامہ"),
    v("ur", "ok~", "مچھر سن لو، آج نیا ریکٹ آ گیا ہے، ایک ایک کو مار دوں گا 😂🦟"),
    v("ur", "ok~", "کتاب کا تعارف: ایک قتل کی کہانی جو آخری صفحے تک راز رکھتی ہے 📖", "#کتابیں"),
    c("ur", "ok", "ماشاءاللہ بہت خوبصورت آواز ہے، اللہ مزید ترقی دے"),
    c("ur", "ok", "ترکیب بہت آسان لگی، کل ضرور بناؤں گی ان شاءاللہ"),
    c("ur", "ok", "بھائی یہ جگہ کون سی ہے؟ اگلے مہینے جانے کا پروگرام ہے"),
    c("ur", "ok", "بہت اچھا سمجھایا سر، کل پرچہ ہے دعا کریں"),
    c("ur", "ok", "آپ کی شاعری دل کو چھو گئی"),
    c("ur", "ok", "مبارک ہو! دلہن بہت پیاری لگ رہی ہے"),
    c("ur", "ok", "یہ خبر غلط ہے، سرکاری اعلان ابھی نہیں آیا، پہلے تصدیق کر لیں"),
    c("ur", "ok", "ہمارے گاؤں میں بھی یہی حال ہے، بجلی صرف چار گھنٹے آتی ہے"),
    c("ur", "ok", "آواز تھوڑی کم ہے، اگلی ویڈیو میں مائیک ٹھیک کر لیں"),
    c("ur", "ok", "بہت شکریہ، آپ کی ویڈیو سے میرے بیٹے کو سوال سمجھ آ گیا"),
    c("ur", "ok", "لاہور والے ہمیشہ کھانے میں سب سے آگے 😄"),
    c("ur", "ok", "اختلاف اپنی جگہ، مگر آپ نے بات تمیز سے کی، اچھا لگا"),
    c("ur", "ok", "جزاک اللہ، بہت کام کی معلومات ہے"),
    c("ur", "ok", "اس میں نمک کتنا ڈالنا ہے؟ ویڈیو میں بتایا نہیں"),
    c("ur", "ok~", "پولیس نے کہا ملزم نے دھمکی دی تھی کہ جان سے مار دوں گا، اب وہ گرفتار ہے۔ شکر ہے"),
    c("ur", "ok~", "اس ڈرامے میں کمینہ ولن کا کردار کمال کا نبھایا، ایوارڈ ملنا چاہیے"),
    p("ur", "ok", "ربیعہ کا کچن", "گھر کا کھانا، امی کی ترکیبیں 🍲 | لاہور", "rabia_ka_kitchen"),
    p("ur", "ok", "سخن گھر", "اردو شاعری، غزل اور نظم ✍️ روز ایک نیا شعر", "sukhan_ghar"),
    p("ur", "ok", "نانی کی باتیں", "پرانی کہانیاں، پرانے نسخے، پرانی یادیں", "nani_ki_baatein"),
    p("ur", "ok", "استاد کامران", "ریاضی اور فزکس آسان زبان میں | نویں سے بارہویں جماعت", "ustad_kamran_maths"),
    p("ur", "ok", "نور خطاطی", "نستعلیق اور ثلث خطاطی | آرڈر کے لیے ان باکس", "noor.khattati"),
    im("ur", "ok", "آج کا حال 😂", "جب امی کہیں بس پانچ منٹ میں آئی"),
    im("ur", "ok", "قائداعظم کا قول", "کام، کام اور بس کام"),
    im("ur", "ok", "نئی دکان کا افتتاح، سب دوست ضرور آئیں 🎉", "افتتاح: اتوار، شام پانچ بجے"),
    t("ur", "ok", "کیا کوئی بتا سکتا ہے کہ شناختی کارڈ کی تجدید آن لائن کیسے ہوتی ہے؟"),
    t("ur", "ok", "آج ابو کی برسی ہے، سب سے دعا کی درخواست ہے 🤲"),
    t("ur", "ok", "مہنگائی پر ایک سوال: دودھ ۲۲۰ روپے لیٹر، بچوں کو کیا پلائیں؟", "عوام کی آواز"),
    live("ur", "ok", "لائیو: پاکستان بمقابلہ انگلینڈ، میچ پر تبصرہ 🏏",
         "دوستو رضوان نے ابھی چوکا لگایا، رن ریٹ اب ساڑھے سات ہو گیا ہے، دعا کریں میچ ہاتھ سے نہ جائے۔"),
    live("ur", "ok", "لائیو محفل: اردو شاعری کی شام",
         "آج ہمارے ساتھ نوجوان شاعر ہیں جو اپنا تازہ کلام سنائیں گے، سب سامعین کو خوش آمدید۔"),
    # violating
    c("ur", H, "تم جیسے حرامی لوگوں کو ویڈیو بنانے کی اجازت کس نے دی؟"),
    c("ur", H, "بےغیرت عورت، گھر بیٹھو اور ناچنا بند کرو"),
    c("ur", H, "الو کا پٹھا ہے یہ اینکر، کچھ پتا نہیں ہوتا اسے"),
    c("ur", H, "تمہاری شکل دیکھ کر الٹی آتی ہے، اکاؤنٹ بند کرو اور کہیں ڈوب مرو"),
    c("ur", H, "موٹی بھینس، پہلے وزن کم کر پھر کیمرے کے سامنے آنا"),
    c("ur", H, "تیری ماں نے تجھے یہی سکھایا ہے؟ جاہل کی اولاد"),
    c("ur", TH, "اگلی بار لاہور آئی تو جان سے مار دوں گا، یاد رکھنا"),
    c("ur", TH, "تیرا گھر پتا ہے مجھے، کل رات آ رہا ہوں، بچوں کا خیال رکھنا"),
    c("ur", TH, "گولی مار دوں گا اگر میری بہن کا نام دوبارہ لیا"),
    c("ur", TH, "تمہاری گاڑی کے بریک کسی دن خود ہی فیل ہو جائیں گے، سمجھ گئے نا؟"),
    c("ur", TH, "رشتے سے انکار کیا تو تیرے چہرے پر تیزاب پھینک دوں گا"),
    c("ur", HA, "یہ قادیانی کافر ہے، اس کی دکان سے کوئی سودا نہ لے"),
    c("ur", HA, "عورتوں کی عقل آدھی ہوتی ہے، انہیں ووٹ کا حق ہی نہیں ملنا چاہیے"),
    c("ur", HA, "پٹھان سب دہشت گرد ہوتے ہیں، انہیں شہر سے نکال باہر کرو"),
    t("ur", HA, "یہ سارے عیسائی گندے ہیں، ان کے برتن الگ رکھو اور انہیں محلے میں گھر نہ دو"),
    v("ur", VE, "گستاخ کی ایک ہی سزا، سر تن سے جدا", "#غیرت #لبیک", author="sipahi_e_haq_x"),
    c("ur", VE, "یہ بلاگر واجب القتل ہے، جو اسے پائے اپنا فرض ادا کرے"),
    t("ur", VE, "نوجوانو تیار ہو جاؤ، ہمارے شہید کا بدلہ ان کے بازار میں لیں گے، اگلا نشانہ وہی ہے"),
    c("ur", S, "ننگی ویڈیو چاہیے تو ان باکس کرو، صرف پانچ سو روپے میں"),
    p("ur", S, "رات کی رانی 💋", "لڑکیاں رات کو ویڈیو کال کے لیے دستیاب، پیسے پہلے، واٹس ایپ ان باکس میں", "raat_ki_rani_vip"),
    c("ur", SH, "اب اور برداشت نہیں ہوتا، آج رات خودکشی کر لوں گی"),
    t("ur", SH, "سب کو بتا دینا میں تھک گیا ہوں، کل صبح یہ دنیا چھوڑ دوں گا، امی کا خیال رکھنا"),
    c("ur", SH, "نیند کی گولیاں جمع کر لی ہیں، بس آج رات ہمت چاہیے"),
]

ROMAN = [
    v("ur-Latn", "ok", "Ammi ki special karahi recipe, 20 minute mein ready 🍲", "#karahi #desikhana"),
    v("ur-Latn", "ok", "Lahore ki sardi aur garam garam chai, kya combination hai ☕", "#lahore #winter"),
    v("ur-Latn", "ok", "Rizwan ki fifty! Aaj to match jeet ke hi uthna hai 🏏", "#PAKvENG #cricket"),
    v("ur-Latn", "ok", "Behen ki mehndi ka dance practice, 3 din reh gaye 💃", "#shaadi #mehndi"),
    v("ur-Latn", "ok", "Naran Kaghan trip, Saif ul Malook jheel ka paani bilkul saaf 🏞️", "#travelpakistan"),
    v("ur-Latn", "ok", "Chemistry ke 10 important MCQs, MDCAT walay zaroor dekhein", "#MDCAT #study",
      "Chalo shuru karte hain, pehla sawal organic chemistry se hai, dhyan se suniye."),
    v("ur-Latn", "ok", "Abbu ne pehli dafa pizza khaya, reaction dekho 😂", "#family #funny"),
    v("ur-Latn", "ok", "Karachi ka best bun kabab, Burns Road wala 🍔", "#karachi #streetfood"),
    v("ur-Latn", "ok", "Eid ke kapray aa gaye, kaunsa colour better hai? 1 ya 2?", "#eid #shopping"),
    v("ur-Latn", "ok", "Baarish ke baad Murree ka mausam, dhund hi dhund 🌫️"),
    v("ur-Latn", "ok", "Hamari gali ki cricket, tape ball champions 🏏", "#tapeball"),
    v("ur-Latn", "ok", "Dadi ke nuskhe: khansi ke liye adrak aur shehad", "#nuskha"),
    v("ur-Latn", "ok", "Shaadi ka khana: qorma, biryani aur zarda, log toot pare 😂", "#shaadi"),
    v("ur-Latn", "ok", "Bike pe Sialkot se Lahore, raste mein chai break ☕", "#biker"),
    v("ur-Latn", "ok", "Apni pehli ghazal suna raha hoon, feedback dena zaroor", "#shayari",
      "Tum se bichhar ke bhi tumhari baat karte hain, hum ajeeb log hain, raat din yaad karte hain."),
    v("ur-Latn", "ok", "Petrol phir barh gaya, ab to cycle hi chalani paregi 🚲", "#mehngai"),
    v("ur-Latn", "ok", "News pe mera reaction: naye budget mein salaried class ka kya hoga?", "#budget"),
    v("ur-Latn", "ok", "Chand raat ki raunaq, Liberty market mein rush dekho ✨", "#chandraat"),
    v("ur-Latn", "ok", "Ghar pe gol gappay banana seekho, bilkul bazaar jaise", "#golgappay"),
    v("ur-Latn", "ok", "Mere bhai ka convocation, Allah ka shukar 🎓", "#proud"),
    v("ur-Latn", "ok", "Quetta ki sajji, lakri ki aag pe 4 ghante pakti hai 🔥", "#quetta #sajji"),
    v("ur-Latn", "ok", "Jugtain hi jugtain: jab mehmaan bina bataye aa jayein 😂", "#comedy"),
    v("ur-Latn", "ok", "Gym ka 30 din ka challenge, aaj day 12 💪", "#fitness"),
    v("ur-Latn", "ok", "Naya ghar, nayi shuruaat, dua mein yaad rakhiye 🏠"),
    v("ur-Latn", "ok", "Faisalabad ki lawn factory ka tour, kapra kaise banta hai dekho", "#faisalabad"),
    v("ur-Latn", "ok~", "Babar ne last over mein maar diya chakka 🔥🔥 PSL ka best match", "#PSL #cricket"),
    v("ur-Latn", "ok~", "Qawwal ne aaj mehfil loot li, sab ko apni awaaz se maar hi dala 🎶", "#qawwali"),
    v("ur-Latn", "ok~", "Umerkot mein Hindu bhaiyon ko Diwali mubarak, Thar ki mohabbat 🪔", "#umerkot"),
    v("ur-Latn", "ok~", "Youhanabad mein Isai community ki Christmas tayyari, kitni roshniyan ✨", "#lahore"),
    v("ur-Latn", "ok~", "Punjabi khana best hai, saag makhan aur lassi ke saath 😋", "#desi"),
    v("ur-Latn", "ok~", "Naya maal aa gaya hai, winter collection 2026, sale sirf 3 din 🛍️", "#sale"),
    v("ur-Latn", "ok~", "Meri bachi ki pehli salgirah 🎂 sab dua karein", "#birthday"),
    v("ur-Latn", "ok~", "Drama ke villain ne kaha 'zinda nahi chorunga' aur agle scene mein khud gir gaya 😂"),
    v("ur-Latn", "ok~", "Chawal ki kheer, dadi style, bilkul asaan 🍚", "#kheer"),
    c("ur-Latn", "ok", "MashaAllah bohat pyari awaaz hai, aur gaana sunao"),
    c("ur-Latn", "ok", "Bhai ye jagah kahan hai? Location batao please"),
    c("ur-Latn", "ok", "Recipe try ki, ghar walon ko bohat pasand aayi, shukriya"),
    c("ur-Latn", "ok", "Sir kal paper hai, dua karna 🤲"),
    c("ur-Latn", "ok", "Hahaha ye to bilkul meri ammi jaisi hain 😂😂"),
    c("ur-Latn", "ok", "Mubarak ho bhai, Allah naseeb acha kare"),
    c("ur-Latn", "ok", "Price kitni hai is suit ki? Delivery Multan mein hoti hai?"),
    c("ur-Latn", "ok", "Aap ki baat se ikhtilaf hai lekin point acha tha"),
    c("ur-Latn", "ok", "Ye khabar fake hai, official notification abhi nahi aaya"),
    c("ur-Latn", "ok", "Camera quality zabardast hai, kaunsa phone hai?"),
    c("ur-Latn", "ok", "Kal ka match dekha? Fielding ne maroa diya warna jeet jaate"),
    c("ur-Latn", "ok", "Jazak Allah, bohat kaam ki video thi"),
    c("ur-Latn", "ok", "Aapki wajah se mera beta ab roz parhta hai, shukriya sir"),
    c("ur-Latn", "ok", "Kya baat hai, Hunza to jannat hai 😍"),
    c("ur-Latn", "ok", "Aaj kal har cheez mehngi hai, ghar chalana mushkil ho gaya"),
    c("ur-Latn", "ok~", "Ye cake dekh ke to main mar hi gaya 😍 kitna khoobsurat hai"),
    c("ur-Latn", "ok~", "Bowler ne aaj batsmen ki class le li, ek ek ko maar maar ke out kiya 😂"),
    p("ur-Latn", "ok", "Usman Travels", "Pakistan ki har wadi dekhni hai 🏔️ | collab ke liye DM", "usman.travels"),
    p("ur-Latn", "ok", "Amna | MDCAT prep", "Free biology lectures roz raat 8 baje 📚", "amna_mdcat_prep"),
    p("ur-Latn", "ok", "Fahad Comedy", "Jugtain, pranks aur family comedy 😂 | Gujranwala", "fahad_comedy_gjw"),
    p("ur-Latn", "ok", "Hira Makeup", "Bridal aur party makeup | Rawalpindi | appointment ke liye DM", "hira_makeup_rwp"),
    p("ur-Latn", "ok", "Kisan Dost", "Gandum, kapas aur sabziyon ki kasht ke tareeqay 🌾", "kisan_dost"),
    im("ur-Latn", "ok", "Monday ka mood 😩", "Jab alarm bajay aur chhutti na ho"),
    im("ur-Latn", "ok", "Shaadi card design, kaisa laga?", "Ayesha weds Hamza, 5 December, Lahore"),
    t("ur-Latn", "ok", "Koi bata sakta hai Lahore mein acha dentist kahan hai? Reasonable fees wala"),
    t("ur-Latn", "ok", "Aaj 6 saal baad school ke doston se mila, purani yaadein taza ho gayin"),
    live("ur-Latn", "ok", "Live: ghar pe nihari bana rahe hain, sawal poochein",
         "Assalam o alaikum doston, aaj hum nihari bana rahe hain, masala main ne khud ghar pe pees liya hai."),
    live("ur-Latn", "ok", "Live Q&A: CSS ki tayyari kaise karein",
         "Jo log pooch rahe hain English essay ke baare mein, roz ek essay likhein aur kisi se check karwayein."),
    # violating
    c("ur-Latn", TH, "Tu bahar mil, jaan se maar dunga tujhe"),
    c("ur-Latn", TH, "Goli maar dunga agar meri behen ko phir msg kiya"),
    c("ur-Latn", TH, "Tere ghar ka pata hai mujhe, bachon ko school kaun chhorta hai sab pata hai"),
    c("ur-Latn", TH, "Tera munh tor dunga, phir se comment kiya to"),
    c("ur-Latn", TH, "Tujhe aur teri family ko dekh lunga, bas wait kar"),
    c("ur-Latn", H, "Saale gandu, tera channel band karwa ke rahunga"),
    c("ur-Latn", H, "Ye randi roz naach ke video dalti hai, sharam nahi aati"),
    c("ur-Latn", H, "Ahmaq insaan, tujhe cricket ki kuch samajh nahi"),
    c("ur-Latn", H, "Tu mari kyun nahi abhi tak? Zameen pe bojh hai tu"),
    c("ur-Latn", H, "Teri shakal pe to kutte bhi na bhonkein, chup kar ja"),
    c("ur-Latn", VE, "Qadiani wajib ul qatal hain, inka boycott nahi, safaya karo"),
    t("ur-Latn", VE, "Sar tan se juda ke naare lagane sab kal jaloos mein pohanchein, 12 baje chowk pe"),
    c("ur-Latn", VE, "Mujahideen ko chanda do, kafiron ka safaya zaroori hai, account number inbox mein"),
    c("ur-Latn", HA, "Ye chooray log hamare mohalle mein nahi reh sakte, nikalo inko"),
    c("ur-Latn", HA, "Aurat ki jagah sirf kitchen hai, zyada parh likh ke dimagh kharab ho jata hai"),
    c("ur-Latn", HA, "Shia sab gustakh hain, inke saath khana peena bhi haram hai"),
    c("ur-Latn", S, "Nangi video bhejo warna tumhari pics sab ko bhej dunga"),
    c("ur-Latn", S, "Sexy video call service 24/7 available, DM karo 😘"),
    p("ur-Latn", S, "Private Party 🔥", "Larkiyan available hain, private party ke liye contact karo, number neeche", "private_party_lhr"),
    c("ur-Latn", SH, "Khudkushi kar lunga aaj, kisi ko farak nahi parta"),
    t("ur-Latn", SH, "Bas ab aur nahi, aaj raat pul se chhalang laga doon ga, sorry ammi"),
    c("ur-Latn", HA, "Pathan sab chor aur dehshatgard hain, Karachi se nikalo sab ko"),
    live("ur-Latn", TH, "Live: jawab do",
         "Jo bhai is channel ke khilaaf bola hai, uska address mere paas hai, kal us ke ghar jaa ke goli maar dunga, sab dekhna live."),
]

ENGLISH = [
    v("en", "ok", "First snow in Hunza this season ❄️ the valley looks unreal", "#hunza #travel"),
    v("en", "ok", "Made my nani's chicken korma for the first time. She approved 🙌", "#cooking #desifood"),
    v("en", "ok", "Highlights: Pakistan chase down 310 with two balls to spare 🏏", "#cricket"),
    v("en", "ok", "Wedding season vlog: 4 events, 3 outfits, 0 sleep 😅", "#shaadi #vlog"),
    v("en", "ok", "Study with me: 3 hours of organic chemistry, pomodoro timer on screen", "#studywithme"),
    v("en", "ok", "Bradford's best samosa spot? I tried five so you don't have to", "#bradford #food"),
    v("en", "ok", "Eid prep in Dubai: henna night with the girls 🌙", "#eid #dubai"),
    v("en", "ok", "My dad reacting to my exam results. Worth every sleepless night ❤️"),
    v("en", "ok", "Quick explainer: what the new property tax actually means for renters", "#news",
      "So the headline number is scary, but if you rent, here's the part that actually affects you."),
    v("en", "ok", "Berlin winter vs Lahore winter, which one wins? 🥶", "#berlin #studentlife"),
    v("en", "ok", "Packing for Umrah: a checklist I wish I had last year", "#umrah"),
    v("en", "ok", "Houston desi grocery haul 🛒 found real Shan masala finally", "#houston"),
    v("en", "ok", "Calligraphy timelapse: Surah Al-Fatiha in Naskh", "#calligraphy"),
    v("en", "ok", "Ranking every biscuit in Pakistan, no mercy 🍪", "#comedy"),
    v("en", "ok", "Reading Faiz in the metro, people kept staring 📖", "#poetry"),
    v("en", "ok~", "She absolutely killed it on stage tonight 🎤🔥", "#talentshow"),
    v("en", "ok~", "This biryani is to die for 😍 Karachi never misses", "#foodie"),
    v("en", "ok~", "Photo shoot day: shooting a bride in Badshahi Mosque 📸", "#weddingphotography"),
    v("en", "ok~", "I'm dying 😂 my nani trying face filters for the first time", "#family"),
    v("en", "ok~", "Our bowlers got absolutely murdered today. Pain.", "#cricket"),
    v("en", "ok~", "The villain's 'I will kill you' scene in this drama is the worst acting of 2026 😂", "#dramareview"),
    v("en", "ok~", "Two years free from porn addiction. If you're struggling, there is help. Link in bio.", "#recovery",
      author="the_recovery_diary"),
    v("en", "ok~", "Documentary clip: how the Swat operation changed the valley, interviews with survivors", "#history"),
    c("en", "ok", "This is so wholesome, made my day"),
    c("en", "ok", "Where did you get that dupatta? It's gorgeous"),
    c("en", "ok", "Great explanation, finally understood it"),
    c("en", "ok", "Respectfully disagree, the bowling was the real problem, not the batting"),
    c("en", "ok", "Can you do a vegetarian version next?"),
    c("en", "ok", "Congrats to the couple! Beautiful decor"),
    c("en", "ok", "This source is wrong, the official figures were released yesterday"),
    c("en", "ok", "Subscribed! More Hunza content please"),
    c("en", "ok", "My mum said the same thing word for word 😂"),
    c("en", "ok", "Sending prayers to your family"),
    c("en", "ok~", "I want to die laughing at this 😂😂"),
    c("en", "ok~", "You killed it with this edit, teach me"),
    c("en", "ok~", "That shot was a bomb, the ball is still travelling"),
    p("en", "ok", "Zainab Writes", "Short stories, long walks. Karachi → London ✍️", "zainab.writes"),
    p("en", "ok", "Cricket Stats PK", "Numbers, records and hot takes on Pakistan cricket 📊", "cricket_stats_pk"),
    p("en", "ok", "Desi Mum in London", "Raising two kids between two cultures. Recipes + chaos.", "desi_mum_in_london"),
    im("en", "ok", "Monday motivation", "Discipline beats motivation"),
    t("en", "ok", "Anyone know a good Urdu tutor in Manchester for kids? Weekend classes preferred."),
    t("en", "ok", "Reminder: flood relief drive this Saturday at the community centre, 10am to 4pm."),
    live("en", "ok", "LIVE: Q&A on studying in Germany",
         "Okay so the blocked account amount changed this year, let me share the exact figure from the embassy page."),
    # violating
    c("en", H, "You're a worthless bitch, delete your account"),
    c("en", H, "You moron, learn some manners before you open your mouth"),
    c("en", H, "Go kill yourself, nobody wants you here"),
    c("en", H, "Look at her teeth lol, no wonder her husband left"),
    c("en", TH, "I will kill you and your whole family if you show up in Bradford again"),
    c("en", TH, "Watch your back when you leave the studio tonight. We know your car."),
    c("en", TH, "Keep talking and see what happens to your sister on her way to college"),
    c("en", HA, "Pakis should go back where they came from"),
    c("en", HA, "All Ahmadis are traitors and should be driven out of the country"),
    c("en", HA, "Women who post dance videos deserve whatever happens to them"),
    c("en", S, "Send nudes or I'll post your pictures everywhere"),
    p("en", S, "Marina Nights 💋", "Hot girls available Dubai Marina, incall/outcall, rates in DM", "marina_nights_vip"),
    c("en", SH, "Nobody would miss me. Tonight's the night I end it all."),
    t("en", SH, "I want to die. I've already written the note, I just wanted someone to know."),
    t("en", VE, "Brothers, the time for talk is over. Take up arms against the apostates and make them bleed."),
    c("en", VE, "Join ISIS, the caliphate needs fighters, message me for the route"),
]

PUNJABI = [
    v("pnb", "ok", "ساگ تے مکئی دی روٹی، پنڈ دا سواد ای وکھرا اے 🌽", "#پنجاب"),
    v("pnb", "ok", "اج ویاہ تے بھنگڑا پایا، پیر تھک گئے پر دل نئیں بھریا 💃", "#ویاہ"),
    v("pnb", "ok", "ہیر وارث شاہ دے بول، دادا جی دی آواز وچ 🎶", "#ہیر"),
    v("pnb", "ok", "سردیاں آ گئیاں، گڑ والی چاہ تیار اے ☕"),
    v("pnb", "ok", "ماں جی دی دعا نال کم شروع کیتا، نویں دکان مبارک 🙏"),
    v("pnb", "ok", "فیصل آباد دا گھنٹہ گھر، رات نوں ویکھو کناں سوہنا لگدا اے"),
    v("pnb", "ok", "ساڈے پنڈ دی کنک دی بجائی شروع ہو گئی 🌾", "#کسان"),
    v("pnb", "ok", "یار بیلی اکٹھے، کبڈی میچ دا مزہ ای آ گیا", "#کبڈی"),
    v("pnb", "ok", "سائیں بلھے شاہ دا کلام، سن کے دل ٹھنڈا ہو گیا"),
    v("pnb", "ok", "کڑیاں دی ٹولی نے مہندی تے بولیاں پائیاں 🎶", "#مہندی"),
    v("pnb", "ok~", "بابر نے آخری اوور وچ چھکا مار کے میچ جتا دتا! 🏏", "#کرکٹ"),
    c("pnb", "ok", "واہ جی واہ، کیا گل اے، جیوندے رہو"),
    c("pnb", "ok", "نکے پتر دا پہلا دن سکول وچ، اللہ کامیاب کرے"),
    c("pnb", "ok", "اج دا میچ ویکھیا؟ رضوان نے کمال کر دتا"),
    c("pnb", "ok", "مینہ وسدا پیا اے، پکوڑے بنا لئے نیں"),
    p("pnb", "ok", "پنڈ دی رونق", "پنڈ دیاں گلاں، کھیتاں دیاں ویڈیوز تے دیسی کھانے 🌾", "pind_di_ronaq"),
    c("pnb", H, "کتی دا پتر، تینوں شرم نئیں آندی؟"),
    c("pnb", TH, "تینوں مار دیاں گا جے فیر میری گلی وچ دسیا"),
    c("pnb", TH, "تیری دھی نوں سکول توں چک کے لے جاواں گے، یاد رکھیں"),
    c("pnb", HA, "ایہہ زنانیاں بس گھر دا کم کرن جوگیاں نے، ایہناں نوں باہر نہ نکلن دیو"),
    c("pnb", H, "اوئے کالے، تیری شکل ویکھ کے کتے وی بھونکدے نے"),
    c("pnb", VE, "جیہڑا وی ساڈے فرقے دے خلاف بولے، اوہنوں گولی مارو، ثواب ملے گا"),
]

MIXED = [
    v("mix", "ok", "Finally mera MDCAT result aa gaya, 182 marks!! Allah ka shukar 🤲", "#MDCAT"),
    v("mix", "ok", "Office se aate hi biryani, best therapy honestly 😂", "#foodie"),
    v("mix", "ok", "Dubai mein first salary, ammi ke liye gold ki chain li ❤️", "#dubailife"),
    v("mix", "ok", "Exam stress is real yaar, but we move. Kal chemistry ka paper hai 😩", "#student"),
    v("mix", "ok", "Mehndi outfit reveal! Color kaisa laga? Comment karo 💚", "#mehndi"),
    v("mix", "ok", "Shaadi ka season hai aur mera wardrobe bilkul empty 😭", "#weddingseason"),
    v("mix", "ok", "Traffic in Karachi today was insane, 2 ghante Shahrah-e-Faisal pe stuck"),
    v("mix", "ok", "آج کا vlog: Hunza road trip part 2، subscribe ضرور کریں", "#vlog"),
    v("mix", "ok", "Ammi: beta khana kha lo. Me: 5 minutes. Ammi after 5 minutes: 🩴😂", "#desimoms"),
    v("mix", "ok", "Gym ka first week, body mein dard but vibes on point 💪"),
    v("mix", "ok", "Eid shopping done ✅ ab bas chand raat ka wait", "#eid"),
    v("mix", "ok", "London mein desi breakfast dhoondna is a struggle, finally halwa puri mil gayi!", "#london"),
    v("mix", "ok~", "Yeh new café in F-7 is so aesthetic, lekin prices ne maar diya 😭", "#islamabad"),
    v("mix", "ok~", "Bro ne last ball pe six maar diya, literally killed it 🔥", "#tapeball"),
    c("mix", "ok", "Ye drama ka ending itna sad kyun tha? I literally cried 😢"),
    c("mix", "ok", "Recipe was perfect, bas namak thora kam rakha"),
    c("mix", "ok", "Bhai congratulations! So proud of you yaar"),
    c("mix", "ok", "آپ کی video بہت helpful تھی، thank you"),
    c("mix", "ok", "Seriously ye wali ghazal on repeat hai since morning"),
    p("mix", "ok", "Sana | Mehndi Artist", "Bridal mehndi in Lahore 🌿 | bookings open for December | DM karein", "sana_mehndi_artist"),
    p("mix", "ok", "Berlin wala Pakistani", "Masters in Germany, daily life aur tips 🇩🇪🇵🇰", "berlin_wala_pakistani"),
    t("mix", "ok", "Kisi ko pata hai Islamabad mein passport office Saturday ko open hota hai? Urgent hai"),
    c("mix", TH, "Bhai tu offline mil, I swear jaan se maar dunga"),
    c("mix", H, "Such a characterless larki, har roz naya boyfriend, shame on her family"),
    c("mix", S, "Send nudes warna tumhari DPs edit karke viral kar dunga"),
    c("mix", HA, "These Afghanis are ruining Pakistan, sab ko deport karo aur unke ghar jala do"),
    c("mix", SH, "Life is pointless yaar, I've decided, aaj raat sab khatam"),
    p("mix", S, "Paid Calls 18+", "Paid video call available, girls only, rates DM mein 💋", "paid_calls_18"),
    c("mix", H, "Stupid aurat, tumhe news parhni nahi aati, go back to kitchen"),
    c("mix", HA, "Ye Christians sab chooray hain, inka kuch nahi ho sakta"),
    t("mix", VE, "Ye blasphemer abhi tak zinda kyun hai? Koi ghairatmand aage barhe aur kaam khatam kare"),
]

PASHTO_SINDHI = [
    v("ps", "ok", "د پېښور چپلي کباب، بل هېڅ ځای داسې خوند نه لري 😋", "#پېښور"),
    v("ps", "ok", "په سوات کې د واورې لومړۍ ورځ ❄️", "#سوات"),
    c("ps", "ok", "ټولو ته اختر مبارک شه 🌙"),
    c("ps", TH, "که بیا دې زما د خور نوم واخیست، ژوندی نه پرېږدم دې"),
    v("sd", "ok", "ٿر ۾ برسات کان پوءِ سائو نظارو 🌿", "#ٿر"),
    v("sd", "ok", "امڙ جي هٿ جي پلا مڇي، واهه جو سواد", "#سنڌ"),
    c("sd", "ok", "سنڌي ٽوپي ۽ اجرڪ سان سڀني کي سلام 🎉"),
    c("sd", TH, "توکي ماري ڇڏيندس، ياد رکجان"),
    p("sd", "ok", "اجرڪ هائوس", "هٿ سان ٺهيل اجرڪ ۽ رلي | حيدرآباد", "sindhi_ajrak_house"),
]

MORE = [
    im("ur", "ok", "بچوں کے ڈرائنگ مقابلے میں پہلی پوزیشن 🏆", "پہلا انعام: عائشہ، جماعت چہارم"),
    im("ur", "ok~", "نئی فلم کا پوسٹر، اگلے جمعے سینما میں 🎬", "انتقام: وہ کسی کو زندہ نہیں چھوڑے گا"),
    v("ur", "ok", "سردیوں کا پہلا گاجر کا حلوہ، دیسی گھی میں 🥕", "#حلوہ #سردیاں"),
    v("ur", "ok", "دبئی میں پاکستانی مزدوروں کی ایک دن کی زندگی", "#دبئی #محنت",
      "صبح چار بجے اٹھتے ہیں، پانچ بجے بس آتی ہے، اور شام سات بجے واپسی ہوتی ہے۔"),
    c("ur", "ok", "آپ کی آواز میں نعت سن کر آنکھیں بھر آئیں"),
    c("ur", "ok", "بھائی ساتھ قیمت بھی بتا دیا کریں"),
    t("ur", "ok", "ریاض میں کوئی اچھا پاکستانی ڈاکٹر جانتا ہے؟ امی کو دکھانا ہے"),
    c("ur", H, "جاہل عورت، تمہیں کس نے کہا تھا اینکر بننے کو؟ منہ بند رکھو"),
    v("ur-Latn", "ok", "Pindi ki raat, Raja Bazar ki chaat 🌙", "#pindi #streetfood"),
    c("ur-Latn", "ok", "Bohat khoob likha hai, dil ko laga"),
    c("ur-Latn", "ok", "Ye wala lehnga kitne ka hai? Size M milega?"),
    v("ur-Latn", "ok", "Saudi se 3 saal baad wapas aaye abbu, airport pe surprise 🥹", "#family"),
    t("ur-Latn", "ok", "Bijli ka bill 18 hazar aaya hai, 2 pankhay aur 4 bulb hain bas. Ye kya mazaq hai?"),
    c("ur-Latn", "ok~", "Mera chhota bhai aaj Ludo mein sab ki gotiyan maar ke jeet gaya 😂"),
    c("ur-Latn", H, "Burger bachi ko Urdu nahi aati aur chali hai vlog banane, dafa ho"),
    v("ur-Latn", "ok", "Hockey ka sunehra daur yaad hai? Ye purane highlights dekho 🏑", "#hockey"),
    v("en", "ok", "Riyadh to Jeddah road trip, 10 hours of desert and dates 🌴", "#saudi #roadtrip"),
    c("en", "ok", "Does this place deliver to DHA?"),
    c("en", "ok~", "Shoot me a message if you want the recipe 👍"),
    v("en", "ok", "Guess the city from the street food, round 3 🇵🇰", "#streetfood"),
    v("ps", "ok", "د کلي ماښام، د چای پیاله او پښتو ټپې 🎶", "#ټپې"),
    c("ps", H, "ته بې عقله یې، خپله خوله بنده کړه"),
]

ITEMS: list[Item] = URDU + ROMAN + ENGLISH + PUNJABI + MIXED + PASHTO_SINDHI + MORE

# Second versions: (a text that identifies the first version, the new item). Some edits soften a
# comment, some dodge a filter with spacing and digits after the first version was caught, one
# turns a benign comment into harassment after it was approved, one just changes the wording.
EDITS: list[tuple[str, Item]] = [
    ("Naya maal aa gaya hai", v("ur-Latn", "ok~",
     "Naya maal aa gaya hai, winter collection 2026, sale ab 5 din tak 🛍️", "#sale #lawn")),
    ("بےغیرت عورت", c("ur", "ok", "اتنا ناچنا ہماری روایت نہیں، مگر آپ کی مرضی")),
    ("Wedding season vlog", v("en", "ok",
     "Wedding season vlog: 4 events, 3 outfits, 0 sleep 😅 (part 2 tomorrow)", "#shaadi #vlog")),
    ("گستاخ کی ایک ہی سزا", v("ur", VE, "گستاخ کی ایک ہی سزا، سر ت ن سے ج د ا", "#غیرت")),
    ("Goli maar dunga agar", c("ur-Latn", TH, "G0li maar dun ga agar meri behen ko phir msg kiya")),
    ("Camera quality zabardast", c("ur-Latn", S,
     "Camera quality zabardast hai, apni nangi videos bhi isi se banati ho? 😏")),
]
# fmt: on
