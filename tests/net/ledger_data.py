"""Children for the ledger tests: valid 身份证号 (GB 11643-1999 check digits), names, and
the CSV layout `carenet record import --type child` reads (Chinese column names)."""

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "一二三四五六七八九十明华国庆红梅兰竹菊春夏秋冬山水"


def idnum(birth, seq):
    body = "530102" + birth.replace("-", "") + "%03d" % seq
    return body + "10X98765432"[sum(int(a) * b for a, b in zip(body, W)) % 11]


def child(k):
    birth = "20%02d-%02d-%02d" % (10 + k % 8, 1 + k % 12, 1 + k % 28)
    name = SURNAMES[k % len(SURNAMES)] + GIVEN[k % len(GIVEN)] + GIVEN[(k * 7 + 3) % len(GIVEN)]
    return {"name": name, "gender": "男" if k % 2 else "女", "birth_date": birth,
            "id_number": idnum(birth, (100 + k) % 1000), "hukou_registered": "是",
            "address": "红云街道%d号" % k, "categories": "留守",
            "guardianship_status": "委托监护", "living": "与祖辈同住", "school_stage": "学龄前",
            "insurance": "城乡基本医疗保险", "guardian_name": name[0] + "大山",
            "guardian_relation": "祖父母", "guardian_phone": "138%08d" % k}


COLS = [("name", "姓名"), ("gender", "性别"), ("birth_date", "出生日期"), ("id_number", "身份证号"),
        ("hukou_registered", "户籍登记"), ("address", "住址"), ("categories", "类别"),
        ("guardianship_status", "监护状况"), ("living", "居住情况"), ("school_stage", "就学情况"),
        ("insurance", "参保情况"), ("guardian_name", "监护人姓名"),
        ("guardian_relation", "监护人关系"), ("guardian_phone", "监护人电话")]


def csv_text(children, extra_cols=()):
    cols = list(COLS) + list(extra_cols)
    lines = [",".join(z for _, z in cols)]
    for c in children:
        lines.append(",".join(c.get(f, "") for f, _ in cols))
    return "\r\n".join(lines) + "\r\n"
